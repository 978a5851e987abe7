"""Queueing email: the outbox row is written in the caller's transaction, with its cause.

If the cause rolls back, so does the email; if it commits, the email is durable and the
sender (publisher/mail/sender.py) will deliver it however long SMTP is down. The
`Message-ID` is fixed here, so a resend after a crash is the same message to every mail
client. A `dedupe_key` makes "once ever" a unique constraint: the insert uses
`ON CONFLICT (dedupe_key) DO NOTHING` (SQLite and PostgreSQL), so a duplicate, even one
racing in from another process, never breaks the caller's transaction. (A SAVEPOINT would
too on PostgreSQL, but pysqlite's SAVEPOINT handling can commit the caller's work early.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.mail.render import render_email
from publisher.mail.wake import nudge_after_commit
from publisher.models import OutboxMessage, utcnow

# Rows per INSERT and per dedupe-key lookup (well under SQLite's and psycopg's bind limits).
CHUNK = 2000

Message = tuple[str, Mapping[str, Any], int | None, str | None]


def queue_email(
    session: Session,
    config: Config,
    kind: str,
    to: str,
    context: Mapping[str, Any],
    *,
    member_id: int | None = None,
    dedupe_key: str | None = None,
    send_after: datetime | None = None,
) -> OutboxMessage | None:
    """Store one email to send; None when `dedupe_key` was already queued (nothing changed)."""
    if dedupe_key is not None and _existing_keys(session, [dedupe_key]):
        return None
    row = _row(config, kind, to, context, member_id, dedupe_key, send_after or utcnow())
    statement = _insert(session, dedupe_key is not None).values(row).returning(OutboxMessage)
    message = session.scalars(statement).first()
    if message is not None:
        nudge_after_commit(session)
    return message


def queue_many(
    session: Session,
    config: Config,
    kind: str,
    messages: Iterable[Message],
    *,
    send_after: datetime | None = None,
) -> int:
    """Store many emails of one kind (e.g. a season's announcement); how many were new.

    `messages` yields `(to, context, member_id, dedupe_key)`. Keys already queued are
    skipped after one lookup per chunk, and rows go in as multi-row INSERTs, so ten
    thousand members queue in a few seconds.
    """
    when = send_after or utcnow()
    queued = 0
    chunk: list[Message] = []
    for message in messages:
        chunk.append(message)
        if len(chunk) >= CHUNK:
            queued += _queue_chunk(session, config, kind, chunk, when)
            chunk = []
    if chunk:
        queued += _queue_chunk(session, config, kind, chunk, when)
    if queued:
        nudge_after_commit(session)
    return queued


def _queue_chunk(
    session: Session, config: Config, kind: str, chunk: list[Message], when: datetime
) -> int:
    existing = _existing_keys(session, [key for _, _, _, key in chunk if key is not None])
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for to, context, member_id, key in chunk:
        if key is not None and (key in existing or key in seen):
            continue
        if key is not None:
            seen.add(key)
        rows.append(_row(config, kind, to, context, member_id, key, when))
    if not rows:
        return 0
    # executemany: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues") and
    # RETURNING counts the rows a racing sender's duplicate key did not skip.
    statement = _insert(session, True).returning(OutboxMessage.id)
    return len(session.execute(statement, rows).all())


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    query = select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
    return {key for key in session.scalars(query) if key is not None}


def _insert(session: Session, skip_duplicate_keys: bool) -> Insert:
    """An INSERT into the outbox that, when asked, skips rows whose dedupe key exists."""
    dialect = session.get_bind().dialect.name
    if not skip_duplicate_keys or dialect not in ("postgresql", "sqlite"):
        return insert(OutboxMessage)
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])


def _row(
    config: Config,
    kind: str,
    to: str,
    context: Mapping[str, Any],
    member_id: int | None,
    dedupe_key: str | None,
    when: datetime,
) -> dict[str, Any]:
    if not to or "@" not in to or any(c in to for c in "\r\n<>,"):
        raise ValueError(f"not one plain email address: {to!r}")
    email = render_email(kind, context)
    return {
        "kind": kind,
        "to_address": to,
        "subject": email.subject,
        "body_text": email.text,
        "body_html": email.html,
        "message_id": new_message_id(config),
        "dedupe_key": dedupe_key,
        "member_id": member_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": when,
        "lease_until": None,
        "last_error": "",
        "created_at": utcnow(),
    }


def new_message_id(config: Config) -> str:
    """A globally unique Message-ID on the base URL's host, fixed for every resend."""
    return make_msgid(domain=urlsplit(config.base_url).hostname or "localhost")
