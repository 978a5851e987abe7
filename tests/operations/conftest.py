"""What an operator deploys and relies on: configuration, the database and migrations, nginx
and systemd files, backups, faults of PostgreSQL and S3, health checks, packaging and the
lock.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
