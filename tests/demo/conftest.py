"""The development demo: the seeded show, the stand-in Stripe checkout and the demo publish.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
