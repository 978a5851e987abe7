"""A member's gifted time, worked out from their gifts after every redemption and refund.

The member row carries the result (`grace_until`, `period_end`) because the feed routes read
it on every request; the gifts are the record it is computed from (`auth.gift_spans`). A
member who had prepaid time (imported with `ends`) keeps that state and plan: the gifts
run after it, and a refunded gift gives the prepaid time back, never less.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.access import ACTIVE, GIFT, PREPAID
from auth.gift_spans import HeldGift, access_ends, gift_spans
from auth.plans import Plan
from publisher.gifts.models import AS_TIME, REDEEMED, Gift
from publisher.models import Member


def prepaid_time(session: Session, member: Member) -> datetime | None:
    """The member's prepaid end: as their gifts recorded it, else as the member row has it
    before any gift; None for a member who had none."""
    recorded = session.scalar(
        select(func.max(Gift.prepaid_until)).where(Gift.member_id == member.id)
    )
    if recorded is not None:
        return _aware(recorded)
    if member.billing_state == PREPAID and member.grace_until is not None:
        return member.grace_until
    return None


def settle_gift_time(session: Session, member: Member, now: datetime) -> bool:
    """Lay the member's live gifts end to end after their prepaid time and write the result
    on the gifts and the member; True while that leaves them time to listen."""
    prepaid = prepaid_time(session, member)
    held = list(
        session.scalars(
            select(Gift)
            .where(
                Gift.member_id == member.id, Gift.status == REDEEMED, Gift.redeemed_as == AS_TIME
            )
            .order_by(Gift.redeemed_at, Gift.id)
        )
    )
    spans = gift_spans([HeldGift(g.redeemed_at or now, g.days) for g in held], prepaid)
    for gift, span in zip(held, spans, strict=True):
        gift.starts_at, gift.ends_at = span.starts_at, span.ends_at
    if not held and prepaid is None:
        return False
    ends = access_ends(spans, prepaid)
    if prepaid is None:
        member.plan, member.billing_state, member.status_reason = Plan.GIFT, GIFT, "gift"
    else:
        member.billing_state = PREPAID
    member.grace_until = member.period_end = ends
    member.updated_at = now
    if ends is None or ends > now:
        member.status = ACTIVE
        session.flush()
        return True
    session.flush()
    return False


def _aware(value: datetime) -> datetime:
    """`func.max` bypasses the column type: SQLite hands back a naive (UTC) value or text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
