"""The secret key's fingerprint, kept in the database it made feed URLs for.

Every member's feed URL is an HMAC of `LOVETV_SECRET_KEY`: a restore (or a new machine)
started with another key would answer every member's app with a 404, silently, and no app
recovers from that. So the database keeps a fingerprint of the key (an HMAC of a fixed
label, which reveals nothing about the key), and a service started with a different key
refuses with one line while the database holds feed tokens. A database without tokens yet
simply takes the new key's fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import column, insert, select, table, update
from sqlalchemy.exc import IntegrityError

from publisher.config import ConfigError
from publisher.db import Database

NAME = "secret_key"
# Every command checks the key before it runs, so this reads with SQLAlchemy Core over the
# tables' names (`publisher.models.service.ServiceKey`, `FeedToken`): a listing that needs
# no model does not pay for importing the ORM and building every mapped class.
_KEYS = table("service_keys", column("name"), column("fingerprint"))
_TOKENS = table("feed_tokens", column("id"))


def fingerprint(secret: str) -> str:
    """Sixteen hex digits that identify the key without revealing it."""
    return hmac.new(secret.encode(), b"lovetv key fingerprint", hashlib.sha256).hexdigest()[:16]


def require_same_key(db: Database, secret: str) -> None:
    """Record the key's fingerprint, or refuse a key other than the one feeds were made with."""
    ours = fingerprint(secret)
    with db.engine.begin() as conn:
        stored = conn.scalar(select(_KEYS.c.fingerprint).where(_KEYS.c.name == NAME))
        if stored == ours:
            return
        if stored is not None:
            if conn.scalar(select(_TOKENS.c.id).limit(1)) is not None:
                raise ConfigError(
                    f"LOVETV_SECRET_KEY is not the key this database's feed URLs were made with "
                    f"(fingerprint {ours}, the database expects {stored}): start with "
                    "the key from the same backup, or every member's feed URL answers 404"
                )
            conn.execute(update(_KEYS).where(_KEYS.c.name == NAME).values(fingerprint=ours))
            return
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(_KEYS).values(name=NAME, fingerprint=ours))
    except IntegrityError:
        require_same_key(db, secret)  # another worker recorded one first: compare with it
