"""Who presents a feed token, read in one indexed query on every request.

Nothing about a token is cached in a worker: rotation and revocation take effect on the
very next request in every worker. The lookup goes by the token's hash; the derivation is
then re-checked in constant time (`auth.tokens.token_matches`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from auth.access import AccessDecision, listening_access
from auth.tokens import looks_like_token, lookup_hash, token_matches
from publisher.models import FeedToken, Member

LISTENER_COLUMNS = (
    FeedToken.nonce,
    FeedToken.retired_at,
    FeedToken.lookup_hash,
    Member.id.label("member_id"),
    Member.status,
    Member.billing_state,
    Member.grace_until,
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

    def access(self, now: datetime) -> AccessDecision:
        return listening_access(
            self.status, self.billing_state, self.grace_until, now, token_is_current=self.current
        )


def listener_from_row(row: Mapping[str, Any] | None, secret: str, token: str) -> Listener | None:
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
    )


def find_listener(conn: Connection, secret: str, token: str) -> Listener | None:
    """The listener holding `token`, or None for an unknown or malformed token."""
    if not looks_like_token(token):
        return None
    row = conn.execute(_LISTENER, {"lookup_hash": lookup_hash(token)}).mappings().first()
    return listener_from_row(row, secret, token)
