"""Listening statistics: app attribution, IAB-style download counting across machines, metrics
and the access log.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
