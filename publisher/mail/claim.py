"""Claiming due messages so that several senders never take the same one.

A claim is a lease: `lease_until` set to now + 5 minutes and committed before anything is
sent. A sender that dies mid-batch loses its lease when it expires and another sender
takes the messages over (at most one duplicate, recognisable by its Message-ID).
PostgreSQL picks rows with `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent senders take
disjoint batches without waiting on each other; SQLite, which has one writer at a time,
claims with one conditional UPDATE whose RETURNING rows are exactly the claimed ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from publisher.db import Database
from publisher.models import OutboxMessage

LEASE = timedelta(minutes=5)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
    )


def claim_due(db: Database, now: datetime, limit: int) -> list[int]:
    """Lease up to `limit` due messages to this sender; their ids, oldest due first."""
    with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            return _claim_skip_locked(session, now, limit)
        return _claim_conditionally(session, now, limit)


def _candidates(now: datetime, limit: int) -> Select[int]:
    return (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )


def _claim_skip_locked(session: Session, now: datetime, limit: int) -> list[int]:
    ids = list(session.scalars(_candidates(now, limit).with_for_update(skip_locked=True)))
    if ids:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(lease_until=now + LEASE)
        )
    return ids


def _claim_conditionally(session: Session, now: datetime, limit: int) -> list[int]:
    """One UPDATE … RETURNING: SQLite runs it alone, so the rows it returns are ours."""
    chosen = _candidates(now, limit).scalar_subquery()
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), _due(now))
        .values(lease_until=now + LEASE)
        .returning(OutboxMessage.id)
    )
    return sorted(session.scalars(statement))


def release(session: Session, ids: list[int]) -> None:
    """Give unsent messages back, due as they were, for the next batch or sender."""
    if ids:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(lease_until=None)
        )
