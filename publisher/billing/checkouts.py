"""What a completed Checkout Session makes: one decision, recorded once with its effect.

Stripe does not verify the email typed at Checkout, so an address alone never reveals or
changes a member. The rules, in order (issue 8):

1. `metadata.member_id` (set by our server for a signed-in member) -> that member's
   purchase (`member`); a member without a Stripe customer yet gets the checkout's.
2. The checkout's customer already belongs to a member -> that member (`member`).
3. A member holds the checkout's email -> `foreign`: never attached; the subscription is
   cancelled at once and the payment refunded in full through Stripe, and the member is
   emailed what was bought with their address and how to sign in.
4. Otherwise a brand-new member with the checkout's email (`new_member`), emailed their links.

The webhook and the welcome page both end in `provision_checkout`; its `Checkout` row is
written in the same transaction as its effect, so a repeat (or the slower of two racing
requests, after a unique-key collision) finds the row and does nothing again. Stripe calls
carry idempotency keys, so even a rolled-back attempt never refunds twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from auth.stripe_api import CheckoutSummary, StripeGateway
from publisher.billing.refresh import (
    ConcurrentChange,
    member_of_customer,
    member_with_email,
    refresh_member,
    refresh_own_customer,
)
from publisher.config import Config
from publisher.members.emails import queue_foreign_purchase
from publisher.members.members import current_token_row
from publisher.models import Checkout, Member, utcnow

log = logging.getLogger(__name__)
NEW_MEMBER, MEMBER, FOREIGN = "new_member", "member", "foreign"


def provision_checkout(
    session: Session,
    gateway: StripeGateway,
    config: Config,
    checkout: CheckoutSummary,
    now: datetime | None = None,
) -> Checkout | None:
    """Apply the rules to a paid Checkout Session once; its record (None while unpaid)."""
    recorded = session.get(Checkout, checkout.id)
    if recorded is not None or not checkout.complete or not checkout.customer_id:
        return recorded
    owner = _trusted_member(session, checkout) or member_of_customer(session, checkout.customer_id)
    if owner is not None:
        record = _members_purchase(session, gateway, config, owner, checkout, now)
    else:
        holder = member_with_email(session, checkout.email)
        if holder is not None and holder.stripe_customer_id == checkout.customer_id:
            # Made from this very customer by a concurrent request since we looked: rule 2.
            raise ConcurrentChange("the checkout's customer became a member meanwhile")
        if holder is not None:
            record = _foreign_purchase(session, gateway, config, holder, checkout)
        else:
            record = _new_member(session, gateway, config, checkout, now)
    if record is None:
        return None
    record.completed_at = now or utcnow()
    session.add(record)
    session.flush()
    return record


def _trusted_member(session: Session, checkout: CheckoutSummary) -> Member | None:
    """The signed-in member our server named in the session's metadata, if it still exists."""
    if checkout.member_id is None or not checkout.member_id.isdigit():
        return None
    return session.get(Member, int(checkout.member_id))


def _members_purchase(
    session: Session,
    gateway: StripeGateway,
    config: Config,
    member: Member,
    checkout: CheckoutSummary,
    now: datetime | None,
) -> Checkout:
    """Rules 1 and 2: the purchase is the member's; refresh them from their own customer."""
    customer = checkout.customer_id or ""
    if member.stripe_customer_id is None and member_of_customer(session, customer) is None:
        member.stripe_customer_id = customer
        session.flush()
    elif member.stripe_customer_id != customer:
        # Only a race between two checkouts of one member gets here; their own customer
        # stays the one we read from, and the operator can see the stray purchase.
        log.warning("checkout of member %s was paid under another Stripe customer", member.id)
    refresh_own_customer(session, gateway, config, member, version=checkout.created, now=now)
    return Checkout(id=checkout.id, member_id=member.id, outcome=MEMBER)


def _foreign_purchase(
    session: Session,
    gateway: StripeGateway,
    config: Config,
    holder: Member,
    checkout: CheckoutSummary,
) -> Checkout:
    """Rule 3: undo the purchase at Stripe and tell the address's owner; attach nothing."""
    refunded = undo_purchase(gateway, checkout)
    queue_foreign_purchase(session, config, holder, checkout.plan or "membership", refunded)
    log.info("a checkout paid with a member's address was refunded (member %s)", holder.id)
    return Checkout(id=checkout.id, member_id=holder.id, outcome=FOREIGN)


def undo_purchase(gateway: StripeGateway, checkout: CheckoutSummary) -> bool:
    """Cancel the checkout's subscription now and refund its payment; True if refunded."""
    intent = checkout.payment_intent_id
    if checkout.subscription_id:
        intent = gateway.first_payment_of_subscription(checkout.subscription_id)
        gateway.cancel_subscription_now(checkout.subscription_id)
    if intent is None:
        return False
    gateway.refund_payment(intent)
    return True


def _new_member(
    session: Session,
    gateway: StripeGateway,
    config: Config,
    checkout: CheckoutSummary,
    now: datetime | None,
) -> Checkout | None:
    """Rule 4: a brand-new member (emailed their links by `refresh_member`)."""
    member, _ = refresh_member(
        session,
        config,
        None,
        gateway.purchases_of([checkout.customer_id or ""]),
        email=checkout.email,
        version=checkout.created,
        now=now,
        provision=True,
    )
    if member is None:
        return None
    token = current_token_row(session, config.secret_key, member)
    return Checkout(id=checkout.id, member_id=member.id, outcome=NEW_MEMBER, token_id=token.id)


def provision_customer(
    session: Session,
    gateway: StripeGateway,
    config: Config,
    customer_id: str,
    version: int,
    now: datetime | None = None,
) -> None:
    """An event about a customer no member holds (its checkout event missed or still coming).

    A customer whose email belongs to a member is ignored: its checkout (rule 3) refunds it.
    Otherwise its completed checkouts go through the rules; a customer with none (made
    outside Checkout) becomes a member when a purchase gives access, as before.
    """
    email = gateway.customer_email(customer_id)
    if email is None or member_with_email(session, email) is not None:
        return
    checkouts = gateway.completed_checkouts(customer_id)
    for checkout in checkouts:
        provision_checkout(session, gateway, config, checkout, now)
    if not checkouts:
        refresh_member(
            session,
            config,
            None,
            gateway.purchases_of([customer_id]),
            email=email,
            version=version,
            now=now,
        )
