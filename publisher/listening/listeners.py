"""Who presents a feed token, read in one indexed query.

The feed's hot statement (`publisher.listening.requests`) reads these columns; on
PostgreSQL a worker keeps its rows until a change is notified (`hot_rows`), so rotation and
revocation take effect in every worker within one second. The lookup goes by the token's
hash; the derivation is then re-checked in constant time (`auth.tokens.token_matches`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select

from auth.access import (
    ACTIVE,
    NOTICE_LAPSED,
    NOTICE_PAYMENT_PROBLEM,
    NOTICE_ROTATED,
    AccessDecision,
    listening_access,
)
from auth.tokens import looks_like_token, lookup_hash, token_matches
from publisher.models import FeedToken, Member

LISTENER_COLUMNS = (
    FeedToken.nonce,
    FeedToken.retired_at,
    FeedToken.lookup_hash,
    Member.id.label("member_id"),
    Member.name.label("member_name"),
    Member.status,
    Member.billing_state,
    Member.grace_until,
    Member.status_changed_at,
    Member.updated_at.label("member_updated_at"),
    Member.created_at.label("member_created_at"),
)
_LISTENER = (
    select(*LISTENER_COLUMNS)
    .join(Member, Member.id == FeedToken.member_id)
    .where(FeedToken.lookup_hash == bindparam("lookup_hash"))
)


@dataclass(frozen=True)
class Listener:
    """The member behind a presented token, with what access decisions need."""

    member_id: int
    lookup_hash: str
    current: bool
    status: str
    billing_state: str | None
    grace_until: datetime | None
    retired_at: datetime | None = None
    status_changed_at: datetime | None = None
    updated_at: datetime | None = None
    name: str | None = None
    started_at: datetime | None = None  # when they became a member (welcome, anniversary)

    def access(self, now: datetime) -> AccessDecision:
        return listening_access(
            self.status, self.billing_state, self.grace_until, now, token_is_current=self.current
        )

    def notice_moment(self, notice: str | None, grace_days: int) -> datetime | None:
        """When the event behind `notice` happened: what its feed item is dated at and named by.

        Rotated: the token's retirement. Payment problem: the failed renewal, which is when
        the grace period began. Lapsed because that grace ran out: its end. Otherwise
        (lapsed, revoked): the stored status's last change.
        """
        status_change = self.status_changed_at or self.updated_at
        if notice is None:
            return None
        if notice == NOTICE_ROTATED:
            return self.retired_at or status_change
        if notice == NOTICE_PAYMENT_PROBLEM and self.grace_until is not None:
            return self.grace_until - timedelta(days=grace_days)
        if notice == NOTICE_LAPSED and self.status == ACTIVE and self.grace_until is not None:
            return self.grace_until
        return status_change

    def changed_at(self, notice: str | None, grace_days: int) -> datetime | None:
        """The latest change of this member that may change what their feed says."""
        known = (self.updated_at, self.status_changed_at, self.retired_at)
        moments = [t for t in (*known, self.notice_moment(notice, grace_days)) if t is not None]
        return max(moments, default=None)


def listener_from_row(row: Mapping[Any, Any] | None, secret: str, token: str) -> Listener | None:
    """A `Listener` from a row of `LISTENER_COLUMNS`, if the token really derives from it."""
    if row is None or row["nonce"] is None or not token_matches(secret, row["nonce"], token):
        return None
    return Listener(
        member_id=row["member_id"],
        lookup_hash=row["lookup_hash"],
        current=row["retired_at"] is None,
        status=row["status"],
        billing_state=row["billing_state"],
        grace_until=row["grace_until"],
        retired_at=row["retired_at"],
        status_changed_at=row["status_changed_at"],
        updated_at=row["member_updated_at"],
        name=row["member_name"],
        started_at=row["member_created_at"],
    )


def find_listener(conn: Connection, secret: str, token: str) -> Listener | None:
    """The listener holding `token`, or None for an unknown or malformed token."""
    if not looks_like_token(token):
        return None
    row = conn.execute(_LISTENER, {"lookup_hash": lookup_hash(token)}).mappings().first()
    return listener_from_row(row, secret, token)
