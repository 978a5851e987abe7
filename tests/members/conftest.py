"""Members as the producer manages them: adding, editing, importing, listing, revoking and
restoring, privacy of their data, and detection of shared feeds.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
