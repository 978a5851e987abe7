"""A member's stored state, made equal to what their Stripe purchases decide now.

Every path that learns about a purchase (a webhook, the welcome page, `lovetv stripe sync`,
`lovetv member restore`) ends in `refresh_member`: given what the member's own Stripe
customer has bought *now* (Stripe's answers, fetched before the transaction:
`publisher.billing.answers`), let `auth.billing_rules.decide_membership` decide, and store
the outcome on the member row. Reading the current state instead of applying an event's
payload is what makes unordered, repeated deliveries harmless
(https://docs.stripe.com/webhooks#event-ordering); `Member.billing_version` (the Stripe
`created` time of the newest event applied) also stops a slow handler of an older event
from writing after a newer one.

A member who comes back buys signed in, as the same customer, so the same feed URLs resume.
The emails a refresh causes are queued in its transaction: `welcome` for a member it
creates, `membership_ended` when a stored status goes from active to lapsed or revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from auth.access import ACTIVE, GIFT, LAPSED, REVOKED
from auth.billing_rules import LIFETIME_RULES, BillingOutcome, decide_membership
from auth.stripe_api import Purchases
from publisher.billing.lookups import ConcurrentChange, member_with_email
from publisher.config import Config
from publisher.members.emails import queue_membership_ended, queue_welcome
from publisher.members.members import add_member
from publisher.models import Member, utcnow

_TRACKED = (
    "status",
    "status_reason",
    "billing_state",
    "plan",
    "stripe_customer_id",
    "stripe_subscription_id",
    "period_end",
    "grace_until",
    "discount",
)

_BILLING_REVOCATIONS = frozenset(rule.reason for rule in LIFETIME_RULES.values())


class PurchaseReader(Protocol):
    """What customers bought: inside a transaction, answers read from Stripe before it
    (`publisher.billing.answers.StripeAnswers`), never Stripe itself."""

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases: ...


@dataclass(frozen=True)
class MemberChange:
    """What one refresh changed on a member, for `lovetv stripe sync` to print."""

    email: str
    before: dict[str, object]
    after: dict[str, object]
    created: bool = False

    def describe(self) -> str:
        was = "new member" if self.created else _summary(self.before)
        changed = ", ".join(
            f"{k} {self.before.get(k) or '-'} -> {self.after[k] or '-'}"
            for k in ("plan", "billing_state")
            if self.before.get(k) != self.after[k] and not self.created
        )
        detail = f"; {changed}" if changed else ""
        reason = f"{self.after['status_reason']}{detail}"
        return f"{self.email}: {was} -> {_summary(self.after)} ({reason})"


def _summary(fields: dict[str, object]) -> str:
    return f"{fields.get('status') or '-'} {fields.get('plan') or '-'}"


def _snapshot(member: Member) -> dict[str, object]:
    return {name: getattr(member, name) for name in _TRACKED}


def apply_outcome(member: Member, outcome: BillingOutcome, version: int | None) -> bool:
    """Store an outcome unless a newer event was already applied; True when anything changed.

    `version` is the Stripe `created` time of what prompted the refresh; None (reconciliation)
    always applies, since it read Stripe after every event it could be compared with.
    """
    if version is not None and version < member.billing_version:
        return False
    before = _snapshot(member)
    if not revoked_by_hand(member):
        member.status = outcome.status
        member.status_reason = outcome.reason
    member.billing_state = outcome.billing_state
    member.plan = outcome.plan
    member.stripe_customer_id = outcome.customer_id
    member.stripe_subscription_id = outcome.subscription_id
    member.period_end = outcome.period_end
    member.grace_until = outcome.grace_until
    member.discount = outcome.discount
    member.paying_cents = outcome.paying_cents
    if version is not None:
        member.billing_version = max(member.billing_version, version)
    changed = _snapshot(member) != before
    if changed:
        member.updated_at = utcnow()
    return changed


def gift_running(member: Member, now: datetime) -> bool:
    """A redeemed gift that still gives access (`GIFT` state, its end not reached)."""
    return (
        member.status == ACTIVE
        and member.billing_state == GIFT
        and (member.grace_until is None or member.grace_until > now)
    )


def revoked_by_hand(member: Member) -> bool:
    """An operator's `lovetv member revoke` stands until lifted by hand; a payment never lifts it.

    Billing's own revocations (refund, dispute) carry one of `LIFETIME_RULES`' reasons.
    """
    return member.status == REVOKED and member.status_reason not in _BILLING_REVOCATIONS


def refresh_own_customer(
    session: Session,
    reads: PurchaseReader,
    config: Config,
    member: Member,
    *,
    version: int | None,
    now: datetime | None = None,
) -> MemberChange | None:
    """Bring a member up to date from their own Stripe customer's purchases."""
    if not member.stripe_customer_id:
        return None
    _, change = refresh_member(
        session,
        config,
        member,
        reads.purchases_of([member.stripe_customer_id]),
        email=member.email,
        version=version,
        now=now,
    )
    return change


def refresh_member(
    session: Session,
    config: Config,
    member: Member | None,
    purchases: Purchases,
    *,
    email: str | None,
    version: int | None,
    now: datetime | None = None,
    provision: bool = False,
    welcome: bool = True,
) -> tuple[Member | None, MemberChange | None]:
    """Decide from `purchases` and store the outcome on `member` (made here when needed,
    and then emailed the welcome unless `welcome` is False)."""
    outcome = decide_membership(
        purchases.subscriptions, purchases.lifetime, now or utcnow(), config.past_due_grace_days
    )
    if outcome is None:
        return member, None
    if member is not None and not outcome.gives_access and gift_running(member, now or utcnow()):
        return member, None  # a redeemed gift runs on its own clock, whatever Stripe ended
    created = False
    if member is None:
        if not (provision or outcome.gives_access) or email is None:
            return None, None
        if member_with_email(session, email) is not None:
            raise ConcurrentChange(f"{email} became a member while this refresh ran")
        member = add_member(session, config.secret_key, email, plan=outcome.plan)
        created = True
    before = _snapshot(member)
    ending = None if created else _claimed_ending(session, member, outcome, version)
    if apply_outcome(member, outcome, version) or created:
        session.flush()
        if created and welcome:
            queue_welcome(session, config, member, now)
        if ending is not None:
            detail = f"Stripe reports: {outcome.reason}."
            queue_membership_ended(session, config, member, ending, detail)
        return member, MemberChange(member.email, before, _snapshot(member), created=created)
    return member, None


def _claimed_ending(
    session: Session, member: Member, outcome: BillingOutcome, version: int | None
) -> str | None:
    """'lapsed' or 'revoked' when this refresh ends an active membership, else None.

    The stored status moves from active in one conditional UPDATE, so of two deliveries
    racing to end the same membership only one sees it happen (and emails the member).
    """
    if member.id is None or member.status != ACTIVE or outcome.status not in (LAPSED, REVOKED):
        return None
    if version is not None and version < member.billing_version:
        return None
    claim = (
        update(Member)
        .where(Member.id == member.id, Member.status == ACTIVE)
        .values(status=outcome.status)
        .execution_options(synchronize_session=False)
    )
    claimed = cast(CursorResult[Any], session.execute(claim)).rowcount
    return outcome.status if claimed == 1 else None
