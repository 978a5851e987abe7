"""Audio files and the stores that hold them: tagging and probing real MP3/M4A, hostile input,
chapters and transcripts, the local folder and S3, and the media route.

Every fixture these tests use is shared: tests/conftest.py and the support/ plugins it
registers (databases, stores, the app, the fake Stripe, the browser).
"""
