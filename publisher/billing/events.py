"""Units of work for billing: one Stripe event, or one returning checkout, per transaction.

A webhook's effect and the record of its event id commit together, so a repeated delivery
finds the id and changes nothing, and a failure leaves no record (Stripe retries it). Two
deliveries racing to provision the same new member collide on a unique column; the loser
runs once more and finds the member (or the event) the winner stored.
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
from publisher.billing.refresh import ConcurrentChange, member_of_customer, refresh_own_customer
from publisher.billing.welcome_page import WelcomeView, welcome_view
from publisher.config import Config
from publisher.db import Database
from publisher.models import StripeEvent

log = logging.getLogger(__name__)
T = TypeVar("T")

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"


def _retrying_conflicts(db: Database, work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction; after a unique-key collision, once more."""
    try:
        with db.session() as session:
            return work(session)
    except (IntegrityError, ConcurrentChange):
        log.info("concurrent billing update collided; running it once more")
        with db.session() as session:
            return work(session)


def handle_event(
    db: Database,
    gateway: StripeGateway,
    config: Config,
    event: dict[str, Any],
    now: datetime | None = None,
) -> str:
    """Apply a verified event once: `applied`, `duplicate` or `ignored` (not about members)."""
    subject = interpret_event(event)

    def work(session: Session) -> str:
        if session.get(StripeEvent, event["id"]) is not None:
            return DUPLICATE
        if subject is not None:
            _refresh_for(session, gateway, config, subject, now)
        session.add(StripeEvent(id=event["id"], type=event["type"], created=event["created"]))
        session.flush()
        return APPLIED if subject is not None else IGNORED

    return _retrying_conflicts(db, work)


def _refresh_for(
    session: Session,
    gateway: StripeGateway,
    config: Config,
    subject: MembershipEvent,
    now: datetime | None,
) -> None:
    """Find what an event is about and bring it up to date from Stripe.

    A checkout goes through the checkout rules; any other event refreshes the member who
    holds its customer, from that customer alone.
    """
    if subject.checkout_session_id:
        checkout = gateway.checkout_session(subject.checkout_session_id)
        if checkout is not None:
            provision_checkout(session, gateway, config, checkout, now)
        return
    customer_id = subject.customer_id
    if customer_id is None and subject.charge_id:
        customer_id = gateway.charge_customer(subject.charge_id)
    if customer_id is None:
        return
    member = member_of_customer(session, customer_id)
    if member is None:
        provision_customer(session, gateway, config, customer_id, subject.created, now)
        return
    refresh_own_customer(session, gateway, config, member, version=subject.created, now=now)


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

    def work(session: Session) -> WelcomeView | None:
        record = provision_checkout(session, gateway, config, checkout, now)
        return None if record is None else welcome_view(session, config, record, now)

    return _retrying_conflicts(db, work)
