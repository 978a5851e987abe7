"""One Stripe event or one returning checkout as a unit of work (`publisher.billing.units`).

Driven through `handle_event` and `welcome_checkout` directly, with the fake Stripe behind
the real gateway: the time passed in is the time every decision and record uses, a repeat
is applied once and asks Stripe nothing, a refund Stripe failed is retried by the next
delivery, and an older event read before a newer one landed never overwrites it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from support.stripe_app import Shop

from auth.stripe_api import Purchases, StripeFailure, StripeGateway
from publisher.billing.gateway import make_gateway
from publisher.billing.lookups import ConcurrentChange
from publisher.billing.units import (
    APPLIED,
    DUPLICATE,
    IGNORED,
    _twice,
    handle_event,
    welcome_checkout,
)
from publisher.billing.welcome_page import LINKS, SIGN_IN, WELCOME_WINDOW
from publisher.members.members import find_member

pytestmark = pytest.mark.stripe

RETRY_LOG = (
    "publisher.billing.units",
    logging.INFO,
    "concurrent billing update collided; running it once more",
)
VICTIM = "vic@example.com"


class RivalAfterRead(StripeGateway):
    """Stripe's API, except that right after the first read of purchases a rival finishes:
    the unit goes on with what it read before the rival's change."""

    def __init__(self, base: StripeGateway, rival: Callable[[], object]) -> None:
        self.__dict__.update(base.__dict__)
        self.rival: Callable[[], object] | None = rival

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        answer = super().purchases_of(customer_ids)
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        return answer


class RefundsFail(StripeGateway):
    """Stripe's API, except that every refund fails (as Stripe having a bad day)."""

    def __init__(self, base: StripeGateway) -> None:
        self.__dict__.update(base.__dict__)

    def refund_payment(self, payment_intent_id: str) -> None:
        raise StripeFailure("Stripe could not be reached: refunds are down")


def handle(
    shop: Shop,
    event: dict[str, Any],
    now: datetime | None = None,
    gateway: StripeGateway | None = None,
) -> str:
    """Apply one event as the webhook view does, at `now`."""
    services = shop.services
    gateway = gateway or make_gateway(services.config)
    return handle_event(services.db, gateway, services.config, event, now)


def paid(shop: Shop, plan: str, email: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """A paid checkout (not yet delivered): its id and the events Stripe sends, by type."""
    session_id = shop.stripe.checkout_for(plan)
    return session_id, {e["type"]: e for e in shop.stripe.pay_checkout(session_id, email)}


def member_of(shop: Shop, plan: str, email: str) -> str:
    """A member who bought `plan`, every event delivered in order; the checkout's id."""
    session_id, events = paid(shop, plan, email)
    for event in events.values():
        handle(shop, event)
    return session_id


def later(shop: Shop, **delta: float) -> datetime:
    """A time far enough from the wall clock that using the wrong clock shows."""
    return datetime.fromtimestamp(shop.stripe.now(), UTC) + timedelta(**delta)


def billing_version(shop: Shop, email: str) -> int:
    with shop.services.db.session() as session:
        member = find_member(session, email)
        assert member is not None
        return member.billing_version


def collisions(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [record for record in caplog.record_tuples if record == RETRY_LOG]


@pytest.mark.parametrize("first", ["checkout.session.completed", "customer.subscription.created"])
def test_a_checkout_is_recorded_at_the_time_passed_in(shop: Shop, first: str) -> None:
    # Through its own event, or through an earlier event about its customer nobody holds yet.
    session_id, events = paid(shop, "monthly", "ann@example.com")
    now = later(shop, days=3)
    assert handle(shop, events[first], now) == APPLIED
    record = shop.checkout_record(session_id)
    assert record is not None and record.outcome == "new_member"
    assert record.completed_at == now
    assert shop.member("ann@example.com")["status"] == "active"
    assert shop.recorded_events() == [events[first]["id"]]


def test_a_customer_made_outside_checkout_becomes_a_member_at_its_events_version(
    shop: Shop,
) -> None:
    session_id, events = paid(shop, "yearly", "bo@example.com")
    del shop.stripe.objects[session_id]  # as if the subscription was made in the Dashboard
    created = events["customer.subscription.created"]
    assert handle(shop, created, later(shop, days=1)) == APPLIED
    member = shop.member("bo@example.com")
    assert (member["status"], member["plan"]) == ("active", "yearly")
    # The event's time guards the row against an older delivery applied after it.
    assert billing_version(shop, "bo@example.com") == created["created"]


@pytest.mark.parametrize(
    ("after_failure", "status", "reason"),
    [
        (timedelta(days=1), "active", "payment problem: update your card"),
        (timedelta(days=30), "lapsed", "payment problem: grace period ran out"),
    ],
)
def test_a_failed_renewal_is_judged_at_the_time_passed_in(
    shop: Shop, after_failure: timedelta, status: str, reason: str
) -> None:
    session_id = member_of(shop, "monthly", "cy@example.com")
    failed_at = shop.stripe.now()
    failed = shop.stripe.fail_renewal(shop.stripe.session_subscription(session_id), at=failed_at)
    now = datetime.fromtimestamp(failed_at, UTC) + after_failure
    assert [handle(shop, event, now) for event in failed] == [APPLIED, APPLIED]
    member = shop.member("cy@example.com")
    assert (member["status"], member["billing_state"], member["reason"]) == (
        status,
        "past_due",
        reason,
    )


def test_an_older_event_read_before_a_newer_one_landed_does_not_overwrite_it(shop: Shop) -> None:
    session_id = member_of(shop, "monthly", "dee@example.com")
    sub = shop.stripe.session_subscription(session_id)
    renewed = shop.stripe.renew(sub)[0]  # invoice.paid: the subscription is active

    def cancelled_meanwhile() -> None:
        (deleted,) = shop.stripe.end_subscription(sub)
        assert handle(shop, {**deleted, "created": renewed["created"] + 60}) == APPLIED

    racing = RivalAfterRead(make_gateway(shop.services.config), cancelled_meanwhile)
    assert handle(shop, renewed, gateway=racing) == APPLIED
    assert racing.rival is None  # the cancellation landed while the renewal was being read
    member = shop.member("dee@example.com")
    assert (member["status"], member["reason"]) == ("lapsed", "subscription canceled")


def test_a_refund_stripe_failed_is_retried_by_the_next_delivery(shop: Shop) -> None:
    member_of(shop, "monthly", VICTIM)
    before = shop.member(VICTIM)
    # Someone else pays typing the member's address; Stripe then fails the refund.
    session_id, events = paid(shop, "yearly", VICTIM)
    completed = events["checkout.session.completed"]
    failing = RefundsFail(make_gateway(shop.services.config))
    with pytest.raises(StripeFailure):
        handle(shop, completed, gateway=failing)
    record = shop.checkout_record(session_id)
    assert record is not None and record.outcome == "foreign"
    assert shop.stripe.of_kind("refund") == [] and shop.outbox("foreign_purchase") == []
    # The decision is recorded, so the next delivery is a duplicate that still undoes it.
    assert handle(shop, completed) == DUPLICATE
    assert len(shop.stripe.of_kind("refund")) == 1
    assert [m.to_address for m in shop.outbox("foreign_purchase")] == [VICTIM]
    assert handle(shop, completed) == DUPLICATE
    assert len(shop.stripe.of_kind("refund")) == 1 and len(shop.outbox("foreign_purchase")) == 1
    assert shop.member(VICTIM) == before and shop.members() == [VICTIM]


@pytest.mark.parametrize(
    ("type_", "outcome"),
    [
        ("customer.created", IGNORED),
        ("checkout.session.completed", APPLIED),
        ("customer.subscription.created", APPLIED),
        ("invoice.paid", APPLIED),
    ],
)
def test_a_repeated_event_is_applied_once_and_asks_stripe_nothing(
    shop: Shop, type_: str, outcome: str
) -> None:
    _, events = paid(shop, "monthly", "ed@example.com")
    outcomes = {event["type"]: handle(shop, event) for event in events.values()}
    assert outcomes[type_] == outcome
    assert sorted(shop.recorded_events()) == sorted(e["id"] for e in events.values())
    asked = len(shop.stripe.requests)
    assert handle(shop, events[type_]) == DUPLICATE
    assert len(shop.stripe.requests) == asked
    assert shop.members() == ["ed@example.com"]


def test_the_same_event_delivered_twice_at_once_finds_the_other_in_its_transaction(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="publisher.billing.units")
    _, events = paid(shop, "monthly", "fay@example.com")
    completed = events["checkout.session.completed"]
    results: list[str] = []
    racing = RivalAfterRead(
        make_gateway(shop.services.config), lambda: results.append(handle(shop, completed))
    )
    results.append(handle(shop, completed, gateway=racing))
    assert racing.rival is None and results == [APPLIED, DUPLICATE]
    # A plain repeat, not a collision: the transaction saw the record and wrote nothing.
    assert collisions(caplog) == []
    assert shop.recorded_events() == [completed["id"]]


@pytest.mark.parametrize(
    "collision",
    [IntegrityError("INSERT", {}, Exception("unique")), ConcurrentChange("member appeared")],
)
def test_a_collision_runs_the_unit_once_more_and_says_so(
    collision: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="publisher.billing.units")
    attempts: list[int] = []

    def attempt() -> str:
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise collision
        return "done"

    assert _twice(attempt) == "done" and attempts == [0, 1]
    assert collisions(caplog) == [RETRY_LOG]


def test_the_welcome_page_is_judged_at_the_time_passed_in(shop: Shop) -> None:
    session_id, _ = paid(shop, "monthly", "gus@example.com")
    services = shop.services
    gateway = make_gateway(services.config)
    checkout = gateway.checkout_session(session_id)
    assert checkout is not None

    def welcome(now: datetime) -> str:
        view = welcome_checkout(services.db, gateway, services.config, checkout, now)
        assert view is not None
        return view.state

    opened = later(shop, days=2)
    assert welcome(opened) == LINKS
    record = shop.checkout_record(session_id)
    assert record is not None and record.completed_at == opened
    assert welcome(opened + WELCOME_WINDOW - timedelta(seconds=1)) == LINKS
    assert welcome(opened + WELCOME_WINDOW) == SIGN_IN
