"""Pages in a real browser: Playwright driving Debian's chromium at a phone's and a desktop's
width (the `page` fixture is parametrized over both).

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
