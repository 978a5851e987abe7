"""Billing: Stripe's events and API (through the fake Stripe server over HTTP), signed
webhooks, checkouts, offers and the rules that turn a subscription into access.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
