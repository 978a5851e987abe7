"""Units of work for billing: one Stripe event, or one returning checkout.

Each unit runs in three steps, so no database transaction is ever open while Stripe is
asked anything:

1. read: what the unit is about and what its customers bought now, from Stripe
   (`publisher.billing.reads`), with only short read-only lookups in the database;
2. apply: one short transaction that checks the event id, resolves the member again,
   applies the outcome under `billing_version` and records the `Checkout` and
   `StripeEvent` rows with the emails they cause. A repeated delivery finds the id and
   changes nothing; a failure leaves no record (Stripe retries it);
3. undo: Stripe writes that follow a committed decision (a purchase made with a member's
   address is cancelled and refunded: `publisher.billing.undo`), with idempotency keys.

Two deliveries racing to provision the same new member collide on a unique column (or the
transaction finds it needs an answer nobody read); the loser runs once more, reads
included, and finds the member (or the event) the winner stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.stripe_api import CheckoutSummary, StripeGateway
from auth.stripe_events import MembershipEvent, interpret_event
from publisher.billing.checkouts import provision_checkout, provision_customer
from publisher.billing.reads import StripeReads, read_for_checkout, read_for_event
from publisher.billing.refresh import ConcurrentChange, member_of_customer, refresh_own_customer
from publisher.billing.undo import PendingUndo, finish_undos, pending_undos, undo_unfinished
from publisher.billing.welcome_page import WelcomeView, welcome_view
from publisher.config import Config
from publisher.db import Database
from publisher.gifts.refunds import settle_gift_charge
from publisher.models import StripeEvent, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"


def _twice(attempt: Callable[[], T]) -> T:
    """Run a whole unit (reads and transaction); after a collision, once more from the start."""
    try:
        return attempt()
    except (IntegrityError, ConcurrentChange):
        log.info("concurrent billing update collided; running it once more")
        return attempt()


def handle_event(
    db: Database,
    gateway: StripeGateway,
    config: Config,
    event: dict[str, Any],
    now: datetime | None = None,
) -> str:
    """Apply a verified event once: `applied`, `duplicate` or `ignored` (not about members)."""
    subject = interpret_event(event)

    def attempt() -> tuple[str, list[PendingUndo]]:
        if _already_applied(db, event["id"], subject):
            return DUPLICATE, []  # no Stripe call for a plain repeat
        reads = read_for_event(db, gateway, subject)
        with db.session() as session:
            outcome = _apply_event(session, reads, config, event, subject, now)
            undos = pending_undos(session, reads.seen_checkouts())
        return outcome, undos

    outcome, undos = _twice(attempt)
    finish_undos(db, gateway, config, undos)
    return outcome


def _already_applied(db: Database, event_id: str, subject: MembershipEvent | None) -> bool:
    """A short lookup: the event is recorded and left nothing to finish at Stripe."""
    with db.session() as session:
        if session.get(StripeEvent, event_id) is None:
            return False
        if subject is None or not subject.checkout_session_id:
            return True
        return not undo_unfinished(session, subject.checkout_session_id)


def _apply_event(
    session: Session,
    reads: StripeReads,
    config: Config,
    event: dict[str, Any],
    subject: MembershipEvent | None,
    now: datetime | None,
) -> str:
    """The transaction of one event: its effect and its record, or nothing for a repeat."""
    if session.get(StripeEvent, event["id"]) is not None:
        return DUPLICATE
    if subject is not None:
        _refresh_for(session, reads, config, subject, now)
    session.add(StripeEvent(id=event["id"], type=event["type"], created=event["created"]))
    session.flush()
    return APPLIED if subject is not None else IGNORED


def _refresh_for(
    session: Session,
    reads: StripeReads,
    config: Config,
    subject: MembershipEvent,
    now: datetime | None,
) -> None:
    """Find what an event is about and bring it up to date from Stripe's answers.

    A checkout goes through the checkout rules; any other event refreshes the member who
    holds its customer, from that customer alone.
    """
    if subject.checkout_session_id:
        checkout = reads.checkout_session(subject.checkout_session_id)
        if checkout is not None:
            provision_checkout(session, reads, config, checkout, now)
        return
    customer_id = subject.customer_id
    if customer_id is None and subject.charge_id:
        customer_id = reads.charge_customer(subject.charge_id)
        if customer_id is None:  # no customer: perhaps a gift's payment, refunded or disputed
            charge = reads.charge_state(subject.charge_id)
            settle_gift_charge(session, config, charge, now or utcnow())
            return
    if customer_id is None:
        return
    member = member_of_customer(session, customer_id)
    if member is None:
        provision_customer(session, reads, config, customer_id, subject.created, now)
        return
    refresh_own_customer(session, reads, config, member, version=subject.created, now=now)


def welcome_checkout(
    db: Database,
    gateway: StripeGateway,
    config: Config,
    checkout: CheckoutSummary,
    now: datetime | None = None,
) -> WelcomeView | None:
    """Provision a returning buyer's checkout (as the webhook would) and say what to show.

    The welcome page can arrive before the webhook; both end in `provision_checkout`, and
    whichever comes second finds the record the first one made. None while unpaid.
    """

    def attempt() -> tuple[WelcomeView | None, list[PendingUndo]]:
        reads = read_for_checkout(db, gateway, checkout)
        with db.session() as session:
            record = provision_checkout(session, reads, config, checkout, now)
            view = None if record is None else welcome_view(session, config, record, now)
            undos = pending_undos(session, reads.seen_checkouts())
        return view, undos

    view, undos = _twice(attempt)
    finish_undos(db, gateway, config, undos)
    return view
