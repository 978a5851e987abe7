"""What a podcast app sees: feed rendering, tokens and access, conditional requests, the WSGI
fast path, notices and personal items, read back with real clients' parsers.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
