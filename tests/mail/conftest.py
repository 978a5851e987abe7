"""Email: the outbox, rendering, the sender against a real SMTP server (aiosmtpd on loopback),
transports and the mail CLI.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
