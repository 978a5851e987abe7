"""Gift memberships: buying one, its wording, redeeming it, and the span of access it gives.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
