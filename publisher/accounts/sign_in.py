"""Sign-in by emailed link: no passwords, no enumeration, no mail-bombing.

Asking for a link gives the same answer whether or not the address is a member, and takes
the same time: the request only counts its limits and records a `PendingSignIn`. Whether the
address is a member is decided afterwards by `answer_requests`, which the mail sender runs
(or the view right after, where no sender runs). Only a member gets an email, queued in
the same transaction as the link it carries; a revoked member
gets no link (their account has nothing to show) but an email saying why and who to ask, so
asking is never a dead end for them. The link is `secrets.token_urlsafe(32)`, stored
only as its SHA-256, good for 15 minutes and one use. Asking is limited per address (every
address, member or not, so a 429 reveals nothing; also per day) and per client network, in
the database (`publisher.accounts.rate_limits`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from auth.plans import MemberStatus
from publisher.accounts.rate_limits import Limit, admit, client_key
from publisher.config import Config
from publisher.db import Database
from publisher.mail.outbox import queue_email
from publisher.mail.wake import nudge_after_commit
from publisher.members.emails import queue_revoked_sign_in
from publisher.models import Member, PendingSignIn, Show, SignInLink, utcnow

LINK_LIFETIME = timedelta(minutes=15)
# Three links per address in 15 minutes is enough for a typo'd first try and a lost email;
# ten per client covers a household or office behind one address.
PER_ADDRESS = Limit("sign_in_address", 3, timedelta(minutes=15))
PER_CLIENT = Limit("sign_in_client", 10, timedelta(minutes=15))
# And ten a day: enough for a member on several devices, not a mailbox flooded all day.
PER_ADDRESS_DAY = Limit("sign_in_address_day", 10, timedelta(days=1))
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


@dataclass(frozen=True)
class SignInRequest:
    """What asking for a link came to: `retry_after` seconds when over a limit."""

    retry_after: int | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_link(
    session: Session, config: Config, address: str, client: str, now: datetime
) -> SignInRequest:
    """Count the request and, for a member, store a link and queue its email."""
    wait = admit(
        session,
        config.secret_key,
        now,
        (PER_CLIENT, client_key(client)),
        (PER_ADDRESS, address),
        (PER_ADDRESS_DAY, address),
    )
    if wait is not None:
        return SignInRequest(retry_after=wait)
    session.add(PendingSignIn(email=address, asked_at=now))
    nudge_after_commit(session)
    return SignInRequest()


def answer_requests(session: Session, config: Config, now: datetime, batch: int = 100) -> int:
    """Answer pending sign-in requests: a link for a member, a word for a revoked one,
    nothing for anyone else; each request is taken by one worker (SKIP LOCKED) and deleted."""
    query = select(PendingSignIn).order_by(PendingSignIn.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    pending = list(session.scalars(query))
    for request in pending:
        taken = cast(
            CursorResult[Any],
            session.execute(
                delete(PendingSignIn)
                .where(PendingSignIn.id == request.id)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if taken != 1:  # another sender answered it first (SQLite has no SKIP LOCKED)
            continue
        member = session.scalar(select(Member).where(Member.email == request.email))
        if member is None:
            continue
        if member.status == MemberStatus.REVOKED:
            queue_revoked_sign_in(session, config, member)
        else:
            _send_link(session, config, member, now)
    return len(pending)


def answer_pending(db: Database, config: Config) -> int:
    """`answer_requests` in a transaction of its own (the mail sender's step before sending)."""
    with db.session() as session:
        return answer_requests(session, config, utcnow())


def _send_link(session: Session, config: Config, member: Member, now: datetime) -> None:
    token = secrets.token_urlsafe(32)
    session.add(
        SignInLink(
            member_id=member.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    context = {
        "show_title": session.scalar(select(Show.title).where(Show.id == 1)) or "Love TV",
        "link": f"{config.base_url}/account/sign-in/{token}",
        "minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }
    queue_email(session, config, "sign_in", member.email, context, member_id=member.id)


def well_formed(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token))


def link_usable(session: Session, token: str, now: datetime) -> bool:
    """Whether the link would still sign in (looking does not use it up)."""
    if not well_formed(token):
        return False
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == _hash(token)))
    return link is not None and link.used_at is None and link.expires_at > now


def use_link(session: Session, token: str, now: datetime) -> int | None:
    """Use the link up, atomically; the member it signs in, or None.

    One conditional UPDATE decides: of two browsers posting the same link at once, exactly
    one sees a changed row.
    """
    if not well_formed(token):
        return None
    token_hash = _hash(token)
    changed = cast(
        CursorResult[Any],
        session.execute(
            update(SignInLink)
            .where(
                SignInLink.token_hash == token_hash,
                SignInLink.used_at.is_(None),
                SignInLink.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != 1:
        return None
    member_id = session.scalar(
        select(SignInLink.member_id).where(SignInLink.token_hash == token_hash)
    )
    member = session.get(Member, member_id)
    if member is None or member.status == MemberStatus.REVOKED:
        return None
    return member.id
