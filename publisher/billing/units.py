"""Units of work for billing: one Stripe event, or one returning checkout.

Each unit runs in the order a reader meets it here, so no database transaction is ever open
while Stripe is asked anything:

1. read: the transaction asks `publisher.billing.answers` for what Stripe says (what the
   event is about, what its customers bought now); an answer it lacks rolls it back, is
   fetched with no transaction open, and the transaction runs again (`_until_answered`);
2. decide and apply: one short transaction checks the event id, resolves the member (the
   checkout rules of `publisher.billing.checkouts`, the decision of
   `publisher.billing.membership`), applies the outcome under `billing_version` and records
   the `Checkout` and `StripeEvent` rows with the emails they cause. A repeated delivery
   finds the id and changes nothing; a failure leaves no record (Stripe retries it);
3. undo: Stripe writes that follow a committed decision (a purchase made with a member's
   address is cancelled and refunded: `publisher.billing.undo`), with idempotency keys.

Two deliveries racing to provision the same new member collide on a unique column (or find
the member appeared meanwhile); the loser runs once more with fresh answers and finds the
member (or the event) the winner stored.
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
from publisher.billing.answers import StripeAnswers, Unanswered
from publisher.billing.checkouts import provision_checkout, provision_customer
from publisher.billing.lookups import ConcurrentChange, member_of_customer
from publisher.billing.membership import refresh_own_customer
from publisher.billing.undo import PendingUndo, finish_undos, pending_undos, undo_unfinished
from publisher.billing.welcome_page import WelcomeView, welcome_view
from publisher.config import Config
from publisher.db import Database
from publisher.gifts.refunds import settle_gift_charge
from publisher.models import StripeEvent, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"
# More distinct answers than any one event or checkout needs (a customer's checkouts, their
# owners' purchases): past it something keeps asking anew, and the unit gives up loudly.
MAX_ANSWERS = 50


class Unsettled(RuntimeError):
    """A unit kept needing new answers from Stripe; the delivery fails and Stripe retries it."""


def _until_answered(
    db: Database,
    gateway: StripeGateway,
    answers: StripeAnswers,
    transaction: Callable[[Session], T],
) -> T:
    """Run the transaction; each time it lacks an answer, fetch that one (no transaction
    open) and run it again from the start."""
    for _ in range(MAX_ANSWERS):
        try:
            with db.session() as session:
                return transaction(session)
        except Unanswered as missing:
            answers.fetch(gateway, missing.question)
    raise Unsettled("billing kept needing new answers from Stripe; Stripe will deliver again")


def _twice(attempt: Callable[[], T]) -> T:
    """Run a whole unit (answers and transaction); after a collision, once more from the start."""
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
        answers = StripeAnswers()

        def transaction(session: Session) -> tuple[str, list[PendingUndo]]:
            outcome = _apply_event(session, answers, config, event, subject, now)
            return outcome, _pending(session, answers, subject)

        return _until_answered(db, gateway, answers, transaction)

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


def _pending(
    session: Session, answers: StripeAnswers, subject: MembershipEvent | None
) -> list[PendingUndo]:
    """The undos this unit's checkouts still need; the event's own checkout is asked for even
    when the event is a repeat, since a repeated delivery is how a failed undo is retried."""
    own = subject.checkout_session_id if subject is not None else None
    if own and undo_unfinished(session, own):
        answers.checkout_session(own)
    return pending_undos(session, answers.seen_checkouts())


def _apply_event(
    session: Session,
    answers: StripeAnswers,
    config: Config,
    event: dict[str, Any],
    subject: MembershipEvent | None,
    now: datetime | None,
) -> str:
    """The transaction of one event: its effect and its record, or nothing for a repeat."""
    if session.get(StripeEvent, event["id"]) is not None:
        return DUPLICATE
    if subject is not None:
        _refresh_for(session, answers, config, subject, now)
    session.add(StripeEvent(id=event["id"], type=event["type"], created=event["created"]))
    session.flush()
    return APPLIED if subject is not None else IGNORED


def _refresh_for(
    session: Session,
    answers: StripeAnswers,
    config: Config,
    subject: MembershipEvent,
    now: datetime | None,
) -> None:
    """Find what an event is about and bring it up to date from Stripe's answers.

    A checkout goes through the checkout rules; any other event refreshes the member who
    holds its customer, from that customer alone.
    """
    if subject.checkout_session_id:
        checkout = answers.checkout_session(subject.checkout_session_id)
        if checkout is not None:
            provision_checkout(session, answers, config, checkout, now)
        return
    customer_id = subject.customer_id
    if customer_id is None and subject.charge_id:
        customer_id = answers.charge_customer(subject.charge_id)
        if customer_id is None:  # no customer: perhaps a gift's payment, refunded or disputed
            charge = answers.charge_state(subject.charge_id)
            settle_gift_charge(session, config, charge, now or utcnow())
            return
    if customer_id is None:
        return
    member = member_of_customer(session, customer_id)
    if member is None:
        provision_customer(session, answers, config, customer_id, subject.created, now)
        return
    refresh_own_customer(session, answers, config, member, version=subject.created, now=now)


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
        answers = StripeAnswers(checkout)

        def transaction(session: Session) -> tuple[WelcomeView | None, list[PendingUndo]]:
            record = provision_checkout(session, answers, config, checkout, now)
            view = None if record is None else welcome_view(session, config, record, now)
            return view, pending_undos(session, answers.seen_checkouts())

        return _until_answered(db, gateway, answers, transaction)

    view, undos = _twice(attempt)
    finish_undos(db, gateway, config, undos)
    return view
