"""Transactional email: an outbox written with its cause, delivered by a sender with retries."""
