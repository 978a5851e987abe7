"""Public and error pages served by the app (no browser): the landing, season and transcript
pages, security headers and input limits.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
