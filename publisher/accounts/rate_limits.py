"""Request limits counted in the database, so every worker and machine counts the same.

A hit stores only an HMAC of its key (an email address, a client's network) under the
server's secret, so the table holds no addresses and a copy of it cannot be checked against
a list of guesses. Hits older than a bucket's window are deleted as new ones come in.

`admit` counts one request against several limits at once, or against none: the request is
refused when any of them is full. On PostgreSQL it first takes a transaction-scoped advisory
lock per key, so concurrent requests for one key are counted one after another (sixteen
simultaneous requests for one address cannot all read "two so far"); SQLite serialises
writers by itself. IPv6 clients are keyed on their /64, the smallest network a subscriber
is given, so one household cannot walk through its 2^64 addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from publisher.db import serialise_on
from publisher.models import RateLimitHit


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window` in one bucket, for each key."""

    bucket: str
    count: int
    window: timedelta


def key_hash(key: str, secret: str) -> str:
    """The stored form of a key: an HMAC under the server's secret, never the key itself."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def client_key(address: str) -> str:
    """The key of a client address: an IPv4 address as it is, an IPv6 one as its /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def admit(session: Session, secret: str, now: datetime, *checks: tuple[Limit, str]) -> int | None:
    """Count this request under every `(limit, key)`, or under none when one is full: the
    seconds to wait (the longest of the full ones), or None when the request was counted."""
    hashed = [(limit, key_hash(key, secret)) for limit, key in checks]
    serialise_on(session, (f"{limit.bucket}:{digest}" for limit, digest in hashed))
    waits = [_wait(session, limit, digest, now) for limit, digest in hashed]
    blocked = [w for w in waits if w is not None]
    if blocked:
        return max(blocked)
    for limit, digest in hashed:
        session.add(RateLimitHit(bucket=limit.bucket, key_hash=digest, at=now))
    session.flush()
    return None


def _wait(session: Session, limit: Limit, digest: str, now: datetime) -> int | None:
    """Seconds until `digest` may be counted again under `limit`, or None when it may now."""
    since = now - limit.window
    session.execute(
        delete(RateLimitHit).where(RateLimitHit.bucket == limit.bucket, RateLimitHit.at <= since)
    )
    count, oldest = session.execute(
        select(func.count(), func.min(RateLimitHit.at)).where(
            RateLimitHit.bucket == limit.bucket,
            RateLimitHit.key_hash == digest,
            RateLimitHit.at > since,
        )
    ).one()
    if count < limit.count:
        return None
    oldest = _aware(oldest, now)
    return max(1, math.ceil((oldest + limit.window - now).total_seconds()))


def _aware(value: datetime, now: datetime) -> datetime:
    """`func.min` bypasses the column type, so SQLite hands back a naive (UTC) value."""
    if isinstance(value, str):  # SQLite without type information
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)
