"""Webhook events: Stripe's signature scheme, and which customer each event concerns."""

from __future__ import annotations

import json
import time

import pytest
from support.stripe_app import stripe_signature

from auth.stripe_api import lifetime_purchase, subscription_state
from auth.stripe_events import EventRejected, MembershipEvent, interpret_event, verify_event

SECRET = "whsec_unit_test"


def event(type_: str, obj: dict, created: int = 1_700_000_000) -> dict:
    return {
        "id": "evt_1",
        "object": "event",
        "type": type_,
        "created": created,
        "data": {"object": obj},
    }


def body(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def test_a_correctly_signed_recent_event_is_accepted() -> None:
    payload = body(event("invoice.paid", {"customer": "cus_1"}))
    assert verify_event(payload, stripe_signature(payload, SECRET), SECRET)["id"] == "evt_1"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=123",
        "garbage",
        "t=notanumber,v1=abc",
        "t={now},v1=" + "0" * 64,
    ],
)
def test_missing_or_forged_signatures_are_rejected(header: str | None) -> None:
    payload = body(event("invoice.paid", {"customer": "cus_1"}))
    if header is not None:
        header = header.format(now=int(time.time()))
    with pytest.raises(EventRejected):
        verify_event(payload, header, SECRET)


def test_a_signature_with_another_secret_or_for_another_body_is_rejected() -> None:
    payload = body(event("invoice.paid", {"customer": "cus_1"}))
    with pytest.raises(EventRejected):
        verify_event(payload, stripe_signature(payload, "whsec_someone_else"), SECRET)
    with pytest.raises(EventRejected):
        verify_event(payload + b" ", stripe_signature(payload, SECRET), SECRET)


def test_a_stale_signature_is_a_replay() -> None:
    payload = body(event("invoice.paid", {"customer": "cus_1"}))
    old = stripe_signature(payload, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(EventRejected, match="bad signature"):
        verify_event(payload, old, SECRET)


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[]", b'{"id": "evt_1"}', body({"id": 1, "type": "x", "created": 1}), b"\xff"],
)
def test_signed_but_malformed_bodies_are_rejected(payload: bytes) -> None:
    header = f"t={int(time.time())},v1=" + "0" * 64
    if payload != b"\xff":
        header = stripe_signature(payload, SECRET)
    with pytest.raises(EventRejected):
        verify_event(payload, header, SECRET)


@pytest.mark.parametrize(
    ("type_", "obj", "expected"),
    [
        (
            "checkout.session.completed",
            {"id": "cs_1", "customer": "cus_1"},
            {"checkout_session_id": "cs_1", "customer_id": "cus_1"},
        ),
        ("customer.subscription.created", {"customer": "cus_1"}, {"customer_id": "cus_1"}),
        ("customer.subscription.updated", {"customer": {"id": "cus_2"}}, {"customer_id": "cus_2"}),
        ("customer.subscription.deleted", {"customer": "cus_1"}, {"customer_id": "cus_1"}),
        ("invoice.paid", {"customer": "cus_1"}, {"customer_id": "cus_1"}),
        ("invoice.payment_failed", {"customer": "cus_1"}, {"customer_id": "cus_1"}),
        (
            "charge.refunded",
            {"id": "ch_1", "customer": "cus_1"},
            {"charge_id": "ch_1", "customer_id": "cus_1"},
        ),
        ("charge.dispute.created", {"id": "dp_1", "charge": "ch_1"}, {"charge_id": "ch_1"}),
    ],
)
def test_each_handled_event_names_what_it_is_about(type_: str, obj: dict, expected: dict) -> None:
    assert interpret_event(event(type_, obj, created=42)) == MembershipEvent(
        event_id="evt_1", type=type_, created=42, **expected
    )


def test_events_about_other_things_are_not_membership_events() -> None:
    assert interpret_event(event("product.created", {"id": "prod_1"})) is None


def test_a_subscription_reads_its_period_from_its_items_or_the_older_shape() -> None:
    current = {
        "id": "sub_1",
        "customer": "cus_1",
        "status": "active",
        "created": 5,
        "items": {
            "data": [
                {"price": {"id": "price_x"}, "current_period_start": 10, "current_period_end": 20}
            ]
        },
    }
    yearly_price = {"id": "p", "recurring": {"interval": "year"}}
    older = {
        "id": "sub_2",
        "customer": "cus_1",
        "status": "past_due",
        "created": 5,
        "current_period_start": 30,
        "current_period_end": 40,
        "items": {"data": [{"price": yearly_price}]},
    }
    state = subscription_state(current, {"price_x": "monthly"})
    assert (state.plan, state.current_period_end.timestamp()) == ("monthly", 20)
    state = subscription_state(older, {})
    assert (state.plan, state.current_period_start.timestamp()) == ("yearly", 30)


def test_only_paid_lifetime_sessions_count_and_carry_their_charge_state() -> None:
    session = {
        "id": "cs_1",
        "mode": "payment",
        "payment_status": "paid",
        "customer": "cus_1",
        "metadata": {"plan": "lifetime"},
        "payment_intent": "pi_1",
        "created": 7,
    }
    charge = {"payment_intent": "pi_1", "refunded": True, "disputed": False}
    purchase = lifetime_purchase(session, {"pi_1": charge})
    assert purchase is not None and purchase.state == "refunded"
    assert lifetime_purchase({**session, "payment_status": "unpaid"}, {}) is None
    assert lifetime_purchase({**session, "metadata": {"plan": "monthly"}}, {}) is None
