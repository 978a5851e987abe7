"""Request limits counted in the database, so every worker and machine counts the same.

A hit stores only a SHA-256 of its key (an email address, a client address), so the table
holds no addresses. Hits older than a bucket's window are deleted as new ones come in.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from publisher.models import RateLimitHit


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window` in one bucket, for each key."""

    bucket: str
    count: int
    window: timedelta


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def retry_after(session: Session, limit: Limit, key: str, now: datetime) -> int | None:
    """Seconds until `key` may be counted again under `limit`, or None when it may now."""
    since = now - limit.window
    session.execute(
        delete(RateLimitHit).where(RateLimitHit.bucket == limit.bucket, RateLimitHit.at <= since)
    )
    count, oldest = session.execute(
        select(func.count(), func.min(RateLimitHit.at)).where(
            RateLimitHit.bucket == limit.bucket,
            RateLimitHit.key_hash == key_hash(key),
            RateLimitHit.at > since,
        )
    ).one()
    if count < limit.count:
        return None
    oldest = _aware(oldest, now)
    return max(1, math.ceil((oldest + limit.window - now).total_seconds()))


def count_hit(session: Session, limit: Limit, key: str, now: datetime) -> None:
    session.add(RateLimitHit(bucket=limit.bucket, key_hash=key_hash(key), at=now))


def _aware(value: datetime, now: datetime) -> datetime:
    """`func.min` bypasses the column type, so SQLite hands back a naive (UTC) value."""
    if isinstance(value, str):  # SQLite without type information
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)
