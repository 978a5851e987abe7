"""Signed-in browsers: a random id in an HttpOnly cookie, only its SHA-256 in the database.

Sessions end by sign-out, by a link reset (every other session of the member), by a
rotation or revocation (every session), and after 30 days.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from publisher.models import AccountSession


def end_sessions(session: Session, member_id: int, keep_id_hash: str | None = None) -> int:
    """End every session of a member (but `keep_id_hash`'s); how many ended."""
    statement = delete(AccountSession).where(AccountSession.member_id == member_id)
    if keep_id_hash is not None:
        statement = statement.where(AccountSession.id_hash != keep_id_hash)
    return session.execute(statement).rowcount or 0
