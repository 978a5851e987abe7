"""Who may listen right now, decided from a member's stored state.

`listening_access` is what every feed and media request asks. The member's stored fields
(`status`, `billing_state`, `grace_until`) are written by whoever last learned something
(the CLI, a Stripe webhook, `lovetv stripe sync`); time is passed in, so a grace period
that runs out ends access on the next request even when no event arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auth.plans import BillingState, MemberStatus

ACTIVE, LAPSED, REVOKED = MemberStatus.ACTIVE, MemberStatus.LAPSED, MemberStatus.REVOKED
# The billing state of a gift membership: access until `grace_until` (None: for good).
GIFT = BillingState.GIFT
# A membership paid elsewhere before the show moved here (`lovetv member import … ends`):
# access until `grace_until`, as a gift's.
PREPAID = BillingState.PREPAID

# Why a feed shows a notice item instead of (or on top of) its episodes.
NOTICE_PAYMENT_PROBLEM = "payment_problem"  # episodes still flow; a notice asks for a card
NOTICE_LAPSED = "lapsed"  # membership ended: renew
NOTICE_REVOKED = "revoked"  # access withdrawn (refund, dispute, by hand)
NOTICE_ROTATED = "rotated"  # this URL was replaced by a newer one


@dataclass(frozen=True)
class AccessDecision:
    """Whether episodes are served, and which notice (if any) the feed carries."""

    allowed: bool
    notice: str | None = None


def effective_status(
    status: str, billing_state: str | None, grace_until: datetime | None, now: datetime
) -> str:
    """`active`, `lapsed` or `revoked` as of `now` (a past-due grace or a gift that ran out
    is lapsed)."""
    if (
        status == ACTIVE
        and billing_state in (BillingState.PAST_DUE, GIFT, PREPAID)
        and grace_until is not None
    ):
        return ACTIVE if now < grace_until else LAPSED
    return status if status in (ACTIVE, LAPSED, REVOKED) else LAPSED


def listening_access(
    status: str,
    billing_state: str | None,
    grace_until: datetime | None,
    now: datetime,
    token_is_current: bool = True,
) -> AccessDecision:
    """The decision for one request presenting a member's token."""
    if not token_is_current:
        return AccessDecision(False, NOTICE_ROTATED)
    current = effective_status(status, billing_state, grace_until, now)
    if current == REVOKED:
        return AccessDecision(False, NOTICE_REVOKED)
    if current == LAPSED:
        return AccessDecision(False, NOTICE_LAPSED)
    if billing_state == BillingState.PAST_DUE:
        return AccessDecision(True, NOTICE_PAYMENT_PROBLEM)
    return AccessDecision(True)
