"""The `lovetv` command line as a producer uses it: start-up, usage errors, listings, times and
show settings.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
