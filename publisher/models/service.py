"""The service's own bookkeeping: the secret key's fingerprint, periodic jobs, rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from publisher.models.base import Base, UTCDateTime, utcnow


class ServiceKey(Base):
    """A fingerprint of the secret key the database's feed URLs were made with
    (`publisher.key_fingerprint`): never the key itself."""

    __tablename__ = "service_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class JobState(Base):
    """One periodic job's schedule and last outcome, shared by every worker and machine.

    A worker runs a due job only after claiming it: one conditional UPDATE sets
    `lease_until`, so of several machines asking at once exactly one gets the row.
    """

    __tablename__ = "jobs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_run: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(300))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RateLimitHit(Base):
    """One counted request (e.g. a sign-in request per address or per client network).

    Kept in the database so every worker and machine counts the same; `key_hash` is a
    hash, so the table holds no addresses.
    """

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
