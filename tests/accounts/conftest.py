"""Members' accounts: sign-in links by email, sessions, the account page, joining, and identity
taken from a verified email, never from what was typed at Checkout.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
