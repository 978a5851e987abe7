"""What a member's Stripe purchases mean for listening: one table, one decision.

Stripe tells us about two kinds of purchase: subscriptions (monthly, yearly), whose
`status` Stripe keeps current, and one-time lifetime payments, which stay good until fully
refunded or disputed. `SUBSCRIPTION_RULES` and `LIFETIME_RULES` are the whole policy;
`decide_membership` picks, among everything one member has bought, the purchase that
decides their access today. Pure: plain values in, a plain `BillingOutcome` out, time
passed in, so the same answer comes from a webhook, the welcome page and `lovetv stripe sync`.

Subscription statuses: https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth.access import ACTIVE, LAPSED, REVOKED
from auth.plans import PLAN_RANK, BillingState, Plan

# What a purchase state grants: access now, access while a grace period lasts, or none.
GRANTS, GRACE, ENDS, REVOKES = "grants", "grace", "ends", "revokes"


@dataclass(frozen=True)
class Rule:
    """One row of the table: what the state grants, and the reason members and operators see."""

    effect: str
    reason: str


SUBSCRIPTION_RULES: dict[str, Rule] = {
    BillingState.ACTIVE: Rule(GRANTS, "subscription active"),
    BillingState.TRIALING: Rule(GRANTS, "trial"),
    # Stripe retries the card for a while; we keep feeds working for the grace period and
    # put a "payment problem: update your card" notice on top of them.
    BillingState.PAST_DUE: Rule(GRACE, "payment problem: update your card"),
    BillingState.CANCELED: Rule(ENDS, "subscription canceled"),
    BillingState.UNPAID: Rule(ENDS, "subscription unpaid"),
    BillingState.INCOMPLETE: Rule(ENDS, "first payment not completed"),
    BillingState.INCOMPLETE_EXPIRED: Rule(ENDS, "first payment never completed"),
    BillingState.PAUSED: Rule(ENDS, "subscription paused"),
}

LIFETIME_RULES: dict[str, Rule] = {
    BillingState.PAID: Rule(GRANTS, "lifetime membership"),
    BillingState.REFUNDED: Rule(REVOKES, "lifetime payment refunded"),
    BillingState.DISPUTED: Rule(REVOKES, "lifetime payment disputed"),
}

# An unknown future Stripe status ends access rather than granting it by accident.
_UNKNOWN = Rule(ENDS, "unrecognised subscription status")


@dataclass(frozen=True)
class SubscriptionState:
    """A subscription as Stripe reports it now (fetched, never taken from an old event)."""

    id: str
    customer_id: str
    status: str
    plan: str
    created: int
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    discount: str | None = None  # "20% off for 3 months", while a promotion code applies
    paying_cents: int | None = None  # what one period costs now, discount included


@dataclass(frozen=True)
class LifetimePurchase:
    """A paid lifetime Checkout Session and what happened to its charge since."""

    checkout_session_id: str
    customer_id: str
    created: int
    refunded: bool = False
    disputed: bool = False

    @property
    def state(self) -> str:
        if self.disputed:
            return BillingState.DISPUTED
        return BillingState.REFUNDED if self.refunded else BillingState.PAID


@dataclass(frozen=True)
class BillingOutcome:
    """What to store on the member: the fields `auth.access.listening_access` reads."""

    status: str
    billing_state: str
    plan: str
    reason: str
    customer_id: str
    subscription_id: str | None = None
    period_end: datetime | None = None
    grace_until: datetime | None = None
    discount: str | None = None
    paying_cents: int | None = None

    @property
    def gives_access(self) -> bool:
        return self.status == ACTIVE


def subscription_outcome(sub: SubscriptionState, now: datetime, grace_days: int) -> BillingOutcome:
    """Apply `SUBSCRIPTION_RULES` to one subscription as of `now`."""
    rule = SUBSCRIPTION_RULES.get(sub.status, _UNKNOWN)
    status, reason, grace_until = (ACTIVE if rule.effect == GRANTS else LAPSED), rule.reason, None
    if rule.effect == GRACE:
        # The renewal invoice is attempted at the start of the period, so that is when the
        # card first failed: anchoring there keeps the grace period fixed however many
        # times (and in whatever order) the events arrive.
        anchor = sub.current_period_start or now
        grace_until = anchor + timedelta(days=grace_days)
        if now >= grace_until:
            status, reason = LAPSED, "payment problem: grace period ran out"
        else:
            status = ACTIVE
    elif rule.effect == GRANTS and sub.cancel_at_period_end and sub.current_period_end:
        # Cancelled at period end: access continues until then, and Stripe sends
        # customer.subscription.deleted when it comes.
        if now >= sub.current_period_end:
            status, reason = LAPSED, "subscription ended at period end"
        else:
            reason = "cancels at period end"
    return BillingOutcome(
        status=status,
        billing_state=sub.status,
        plan=sub.plan,
        reason=reason,
        customer_id=sub.customer_id,
        subscription_id=sub.id,
        period_end=sub.current_period_end,
        grace_until=grace_until,
        discount=sub.discount,
        paying_cents=sub.paying_cents,
    )


def lifetime_outcome(purchase: LifetimePurchase) -> BillingOutcome:
    """Apply `LIFETIME_RULES`: access from payment until a full refund or a dispute."""
    rule = LIFETIME_RULES[purchase.state]
    return BillingOutcome(
        status=ACTIVE if rule.effect == GRANTS else REVOKED,
        billing_state=purchase.state,
        plan=Plan.LIFETIME,
        reason=rule.reason,
        customer_id=purchase.customer_id,
    )


def decide_membership(
    subscriptions: Iterable[SubscriptionState],
    lifetime: Iterable[LifetimePurchase],
    now: datetime,
    grace_days: int,
) -> BillingOutcome | None:
    """The one purchase that decides a member's access; None when they bought nothing.

    Any purchase that gives access wins (re-subscribing after a lapse restores access; a
    paid-up one beats one in its grace period, then the best plan). Otherwise the newest
    purchase says why access ended.
    """
    candidates: list[tuple[BillingOutcome, int]] = [
        (subscription_outcome(s, now, grace_days), s.created) for s in subscriptions
    ]
    candidates += [(lifetime_outcome(p), p.created) for p in lifetime]
    if not candidates:
        return None
    granting = [c for c in candidates if c[0].gives_access]
    if granting:
        return max(
            granting, key=lambda c: (c[0].grace_until is None, PLAN_RANK.get(c[0].plan, 0), c[1])
        )[0]
    return max(candidates, key=lambda c: (c[1], c[0].status == REVOKED))[0]
