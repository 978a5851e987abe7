"""Units of work for billing: one Stripe event, or one returning checkout, per transaction.

A webhook's effect and the record of its event id commit together, so a repeated delivery
finds the id and changes nothing, and a failure leaves no record (Stripe retries it). Two
deliveries racing to provision the same new member collide on a unique column; the loser
runs once more and finds the member (or the event) the winner stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.stripe_api import CheckoutSummary, StripeGateway
from auth.stripe_events import MembershipEvent, interpret_event
from publisher.billing.refresh import refresh_customer
from publisher.config import Config
from publisher.db import Database
from publisher.members.members import current_token, feed_urls
from publisher.models import StripeEvent

log = logging.getLogger(__name__)
T = TypeVar("T")

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"


def _retrying_conflicts(db: Database, work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction; after a unique-key collision, once more."""
    try:
        with db.session() as session:
            return work(session)
    except IntegrityError:
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
    """Find the customer an event is about and refresh their member from Stripe."""
    customer_id, email, provision = subject.customer_id, None, False
    if subject.checkout_session_id:
        checkout = gateway.checkout_session(subject.checkout_session_id)
        if checkout is None or not checkout.complete:
            return
        customer_id, email, provision = checkout.customer_id, checkout.email, True
    elif customer_id is None and subject.charge_id:
        customer_id = gateway.charge_customer(subject.charge_id)
    if customer_id is None:
        return
    refresh_customer(
        session,
        gateway,
        config,
        customer_id,
        email=email,
        version=subject.created,
        now=now,
        provision=provision,
    )


@dataclass(frozen=True)
class Welcome:
    """What the welcome page shows a member who just paid."""

    member_id: int
    email: str
    plan: str
    status: str
    feeds: dict[str, str]


def welcome_member(
    db: Database,
    gateway: StripeGateway,
    config: Config,
    checkout: CheckoutSummary,
    now: datetime | None = None,
) -> Welcome | None:
    """Provision the member of a paid Checkout Session (idempotently) and list their feeds.

    The welcome page can arrive before the webhook; both end here or in `handle_event`, and
    whichever comes second finds the member the first one made. The session's own
    `created` time, as the version, keeps this from overwriting what a later webhook stored.
    """
    if not checkout.complete or checkout.customer_id is None:
        return None

    def work(session: Session) -> Welcome | None:
        member, _ = refresh_customer(
            session,
            gateway,
            config,
            checkout.customer_id or "",
            email=checkout.email,
            version=checkout.created,
            now=now,
            provision=True,
        )
        if member is None:
            return None
        token = current_token(session, member, config.secret_key)
        return Welcome(
            member_id=member.id,
            email=member.email,
            plan=member.plan,
            status=member.status,
            feeds=feed_urls(session, config.base_url, token),
        )

    return _retrying_conflicts(db, work)
