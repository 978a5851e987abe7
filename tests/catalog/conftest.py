"""The producer's catalogue: publishing, editing and republishing episodes all or nothing,
imports of a hosted feed (inputs in data/), and show notes.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
