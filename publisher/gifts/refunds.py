"""A gift's payment refunded in full or disputed: its code is void, or its days are taken away.

Called from a charge event's transaction with the charge as Stripe has it now (read before
the transaction, like every billing answer). A redeemed gift's days are taken out of the
holder's time and the rest laid end to end again (`publisher.gifts.spans`): their other
gifts and their prepaid time stand, and only when nothing is left does access end, with the
lapsed notice. A gift redeemed as a Stripe credit keeps its credit: the refund and the
credit are the producer's to square in Stripe's dashboard.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.access import ACTIVE, GIFT, LAPSED, PREPAID
from auth.stripe_api import ChargeState
from publisher.config import Config
from publisher.gifts.models import AS_CREDIT, REDEEMED, VOIDED, Gift
from publisher.gifts.spans import settle_gift_time
from publisher.members.emails import queue_membership_ended
from publisher.models import Member


def settle_gift_charge(
    session: Session, config: Config, charge: ChargeState | None, now: datetime
) -> bool:
    """Void or end the gift this charge paid for, if it is refunded or disputed; True if a
    gift was paid with it (whatever its state)."""
    if charge is None or charge.payment_intent_id is None:
        return False
    gift = session.scalar(select(Gift).where(Gift.payment_intent_id == charge.payment_intent_id))
    if gift is None:
        return False
    if not (charge.refunded or charge.disputed) or gift.status == VOIDED:
        return True
    reason = "payment disputed" if charge.disputed else "payment refunded"
    was = gift.status
    gift.status, gift.voided_at, gift.void_reason = VOIDED, now, reason
    session.flush()
    if was == REDEEMED and gift.member_id is not None and gift.redeemed_as != AS_CREDIT:
        member = session.get(Member, gift.member_id)
        # Only while gifts (and prepaid time) are what the member holds: one who has since
        # subscribed keeps the subscription's state.
        held = member is not None and member.billing_state in (GIFT, PREPAID)
        if held and member is not None and not settle_gift_time(session, member, now):
            _end_access(session, config, member, now, reason)
    session.flush()
    return True


def _end_access(
    session: Session, config: Config, member: Member | None, now: datetime, reason: str
) -> None:
    """The gift's access ends at the refund, with the lapsed notice and the usual email."""
    if member is None or member.billing_state not in (GIFT, PREPAID) or member.status != ACTIVE:
        return
    member.status, member.status_reason, member.grace_until = LAPSED, f"gift {reason}", now
    member.updated_at = now
    session.flush()
    queue_membership_ended(
        session, config, member, LAPSED, f"The gift that paid for it was {reason.split()[-1]}."
    )
