"""Signed-in browsers: a random id in an HttpOnly cookie, only its SHA-256 in the database.

Sessions end by sign-out, by a link reset (every other session of the member), by a
rotation or revocation (every session), and after 30 days. A session of a revoked member
opens nothing, even before it is ended.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from auth.plans import MemberStatus
from publisher.models import AccountSession, Member, SignInLink

SESSION_LIFETIME = timedelta(days=30)
_MAX_COOKIE = 100  # token_urlsafe(32) is 43 characters; anything far longer is not ours


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(session: Session, member_id: int, now: datetime) -> str:
    """A new session for the member; the cookie value (never stored)."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        AccountSession(
            member_id=member_id,
            id_hash=hash_session_id(session_id),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return session_id


def signed_in_member(session: Session, session_id: str | None, now: datetime) -> Member | None:
    """The member this cookie value signs in, or None (unknown, expired, ended, revoked)."""
    if not session_id or len(session_id) > _MAX_COOKIE:
        return None
    row = session.scalar(
        select(AccountSession).where(AccountSession.id_hash == hash_session_id(session_id))
    )
    if row is None or row.expires_at <= now:
        return None
    member = session.get(Member, row.member_id)
    if member is None or member.status == MemberStatus.REVOKED:
        return None
    return member


def end_session(session: Session, session_id: str | None) -> None:
    """Sign one browser out (nothing happens for an unknown cookie)."""
    if session_id and len(session_id) <= _MAX_COOKIE:
        session.execute(
            delete(AccountSession).where(AccountSession.id_hash == hash_session_id(session_id))
        )


def end_sessions(session: Session, member_id: int, keep_id_hash: str | None = None) -> int:
    """End every session of a member (but `keep_id_hash`'s); how many ended.

    Their unused sign-in links go too: a reset, rotation or revocation answers a leak, and
    a link sent before it (perhaps to whoever leaked the feed) must not sign in after it."""
    session.execute(
        delete(SignInLink).where(SignInLink.member_id == member_id, SignInLink.used_at.is_(None))
    )
    statement = delete(AccountSession).where(AccountSession.member_id == member_id)
    if keep_id_hash is not None:
        statement = statement.where(AccountSession.id_hash != keep_id_hash)
    return cast(CursorResult[Any], session.execute(statement)).rowcount or 0


def delete_expired_sessions(session: Session, now: datetime) -> int:
    """Old rows go when anyone signs in, so the table holds live sessions only."""
    return cast(
        CursorResult[Any],
        session.execute(delete(AccountSession).where(AccountSession.expires_at <= now)),
    ).rowcount
