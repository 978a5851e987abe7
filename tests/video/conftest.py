"""Video episodes: inspection, packaging (fast-start MP4, HLS), the CLI, refusals of damaged
files, and per-format statistics.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
