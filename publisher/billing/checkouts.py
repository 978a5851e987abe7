"""What a completed Checkout Session makes: one decision, recorded once with its effect.

Stripe does not verify the email typed at Checkout, so an address alone never reveals or
changes a member. The rules, in order (issue 8):

1. `metadata.member_id` (set by our server for a signed-in member) -> that member's
   purchase (`member`); a member without a Stripe customer yet gets the checkout's.
2. The checkout's customer already belongs to a member -> that member (`member`).
3. A member holds the checkout's email -> `foreign`: never attached; the subscription is
   cancelled at once and the payment refunded in full through Stripe, and the member is
   emailed what was bought with their address and how to sign in (`publisher.billing.undo`,
   after the decision is committed).
4. The checkout's email is no address the service can deliver to (quoted, too long,
   malformed: `normalize_email` refuses it) -> `refused`: never attached; cancelled and
   refunded like rule 3, with no one to email, and the buyer's welcome page says so.
5. Otherwise a brand-new member with the checkout's email (`new_member`), emailed their links.

The webhook and the welcome page both end in `provision_checkout`; its `Checkout` row is
written in the same transaction as its effect, so a repeat (or the slower of two racing
requests, after a unique-key collision) finds the row and does nothing again. Nothing here
calls Stripe: the transaction asks answers fetched before it (`publisher.billing.answers`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from auth.stripe_api import CheckoutSummary, Purchases
from publisher.billing.lookups import ConcurrentChange, member_of_customer, member_with_email
from publisher.billing.membership import PurchaseReader, refresh_member, refresh_own_customer
from publisher.config import Config
from publisher.errors import UserError
from publisher.members.members import current_token_row, normalize_email
from publisher.models import Checkout, Member, utcnow

log = logging.getLogger(__name__)
NEW_MEMBER, MEMBER, FOREIGN = "new_member", "member", "foreign"
# A refused address's purchase: to be undone, then undone (no email marks it, nobody to tell).
REFUSED, REFUSED_REFUNDED = "refused", "refused_refunded"


class CustomerReader(Protocol):
    """The Stripe answers provisioning a customer's checkouts asks for."""

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases: ...
    def customer_email(self, customer_id: str) -> str | None: ...
    def completed_checkouts(self, customer_id: str) -> list[CheckoutSummary]: ...


def provision_checkout(
    session: Session,
    reads: PurchaseReader,
    config: Config,
    checkout: CheckoutSummary,
    now: datetime | None = None,
) -> Checkout | None:
    """Apply the rules to a paid Checkout Session once; its record (None while unpaid).

    A gift's Checkout is no membership of its buyer's: it goes to `publisher.gifts`."""
    if checkout.gift_id is not None:
        from publisher.gifts.purchase import record_gift_payment

        return record_gift_payment(session, config, checkout, now)
    recorded = session.get(Checkout, checkout.id)
    if recorded is not None or not checkout.complete or not checkout.customer_id:
        return recorded
    owner = owner_of_checkout(session, checkout)
    if owner is not None:
        record: Checkout | None = _members_purchase(session, reads, config, owner, checkout, now)
    else:
        holder = member_with_email(session, checkout.email)
        if holder is not None and holder.stripe_customer_id == checkout.customer_id:
            # Made from this very customer by a concurrent request since we looked: rule 2.
            raise ConcurrentChange("the checkout's customer became a member meanwhile")
        if holder is not None:
            record = _foreign_purchase(holder, checkout)
        elif not deliverable(checkout.email):
            record = _refused_purchase(checkout)
        else:
            record = _new_member(session, reads, config, checkout, now)
    if record is None:
        return None
    record.completed_at = now or utcnow()
    session.add(record)
    session.flush()
    return record


def owner_of_checkout(session: Session, checkout: CheckoutSummary) -> Member | None:
    """The member a checkout is a purchase of (rules 1 and 2), or None."""
    owner = _trusted_member(session, checkout)
    if owner is None and checkout.customer_id:
        owner = member_of_customer(session, checkout.customer_id)
    return owner


def _trusted_member(session: Session, checkout: CheckoutSummary) -> Member | None:
    """The signed-in member our server named in the session's metadata, if it still exists."""
    if checkout.member_id is None or not checkout.member_id.isdigit():
        return None
    return session.get(Member, int(checkout.member_id))


def _members_purchase(
    session: Session,
    reads: PurchaseReader,
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
    refresh_own_customer(session, reads, config, member, version=checkout.created, now=now)
    return Checkout(id=checkout.id, member_id=member.id, outcome=MEMBER)


def _foreign_purchase(holder: Member, checkout: CheckoutSummary) -> Checkout:
    """Rule 3: attach nothing; record the decision so that, once committed, the purchase is
    undone at Stripe and the address's owner told (`publisher.billing.undo`)."""
    log.info("a checkout paid with a member's address is to be refunded (member %s)", holder.id)
    return Checkout(id=checkout.id, member_id=holder.id, outcome=FOREIGN)


def deliverable(email: str | None) -> bool:
    """Whether the address is one the service can make a member of and write to."""
    try:
        normalize_email(email or "")
    except UserError:
        return False
    return True


def _refused_purchase(checkout: CheckoutSummary) -> Checkout:
    """Rule 4: a paid checkout with an address we cannot use is refunded, not left stuck
    (a 500 would have Stripe retry for days with no member and no refund)."""
    log.info("a checkout paid with an address the service refuses is to be refunded")
    return Checkout(id=checkout.id, member_id=None, outcome=REFUSED)


def _new_member(
    session: Session,
    reads: PurchaseReader,
    config: Config,
    checkout: CheckoutSummary,
    now: datetime | None,
) -> Checkout | None:
    """Rule 5: a brand-new member (emailed their links by `refresh_member`)."""
    member, _ = refresh_member(
        session,
        config,
        None,
        reads.purchases_of([checkout.customer_id or ""]),
        email=checkout.email,
        version=checkout.created,
        now=now,
        provision=True,
    )
    if member is None:
        return None
    if checkout.name and not member.name:  # what feed titles may show (docs/personal-episodes.md)
        member.name = " ".join(checkout.name.split())[:200] or None
    token = current_token_row(session, config.secret_key, member)
    return Checkout(id=checkout.id, member_id=member.id, outcome=NEW_MEMBER, token_id=token.id)


def provision_customer(
    session: Session,
    reads: CustomerReader,
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
    email = reads.customer_email(customer_id)
    if email is None or member_with_email(session, email) is not None:
        return
    checkouts = reads.completed_checkouts(customer_id)
    for checkout in checkouts:
        provision_checkout(session, reads, config, checkout, now)
    if not checkouts:
        refresh_member(
            session,
            config,
            None,
            reads.purchases_of([customer_id]),
            email=email,
            version=version,
            now=now,
        )
