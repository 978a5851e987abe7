"""Webhook events: Stripe's signature scheme, and which customer each event concerns."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from support.stripe_app import stripe_signature

from auth.stripe_api import lifetime_purchase, subscription_state
from auth.stripe_events import (
    MAX_JSON_DEPTH,
    EventRejected,
    MembershipEvent,
    interpret_event,
    json_depth,
    verify_event,
)

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


# --- the signature scheme, edge by edge --------------------------------------------------

# The clock `verify_event` is handed. Stripe's own staleness check reads the real clock, so
# NOW lies decades ahead of it: signatures dated around NOW are never stale, whatever the date.
NOW = 4_000_000_000


def v1(payload: bytes, timestamp: int, secret: str = SECRET) -> str:
    """The `v1` value Stripe computes: HMAC-SHA256 of "<timestamp>.<payload>"."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def signed(payload: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={v1(payload, timestamp)}"


def rejection(payload: bytes, header: str | None, now: float | None = None) -> str:
    with pytest.raises(EventRejected) as refused:
        verify_event(payload, header, SECRET, now=now)
    return str(refused.value)


INVOICE_PAID = body(event("invoice.paid", {"customer": "cus_1"}))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("garbage", "bad signature: Unable to extract timestamp and signatures from header"),
        ("t={t}", "bad signature: No signatures found with expected scheme v1"),
        (
            "t={t},v1=" + "0" * 64,
            "bad signature: No signatures found matching the expected signature for payload",
        ),
        ("t={t},v0={sig}", "bad signature: No signatures found with expected scheme v1"),
    ],
)
def test_a_refused_signature_says_why_in_stripes_words(header: str, message: str) -> None:
    header = header.format(t=NOW, sig=v1(INVOICE_PAID, NOW))
    assert rejection(INVOICE_PAID, header, now=NOW) == message


def test_a_stale_signature_names_its_timestamp() -> None:
    old = int(time.time()) - 3600
    assert rejection(INVOICE_PAID, signed(INVOICE_PAID, old)) == (
        f"bad signature: Timestamp outside the tolerance zone ({old})"
    )


def test_a_signature_dated_up_to_the_tolerance_ahead_is_accepted_and_no_further() -> None:
    at_edge = NOW + 300
    assert verify_event(INVOICE_PAID, signed(INVOICE_PAID, at_edge), SECRET, now=NOW)["id"]
    beyond = signed(INVOICE_PAID, at_edge + 1)
    assert rejection(INVOICE_PAID, beyond, now=NOW) == "bad signature: timestamp in the future"


def test_the_future_is_judged_by_the_clock_passed_in() -> None:
    # Dated now by the real clock: an hour ahead of a clock that reads an hour earlier.
    t = int(time.time())
    header = signed(INVOICE_PAID, t)
    assert rejection(INVOICE_PAID, header, now=t - 3600) == "bad signature: timestamp in the future"
    assert verify_event(INVOICE_PAID, header, SECRET, now=t)["id"] == "evt_1"


@pytest.mark.parametrize(
    "header",
    [
        # Secrets being rolled: one v1 per active secret, any of them may match.
        "t={t},v1={other},v1={sig}",
        # A test-mode v0 signature alongside, and the parts in another order.
        "v0={digits},t={t},v1={sig}",
        "v1={sig},v0={digits},t={t}",
    ],
)
def test_any_matching_v1_signature_in_any_order_is_accepted(header: str) -> None:
    sig, old_secrets_sig = v1(INVOICE_PAID, NOW), v1(INVOICE_PAID, NOW, "whsec_old")
    header = header.format(t=NOW, sig=sig, other=old_secrets_sig, digits="9" * 64)
    assert verify_event(INVOICE_PAID, header, SECRET, now=NOW)["id"] == "evt_1"


def nested_event(depth: int) -> bytes:
    """A well-formed event whose object holds lists nesting the whole body `depth` deep."""
    inner = "[" * (depth - 3) + "]" * (depth - 3)  # the event, data and object take three
    payload = (
        f'{{"id": "evt_1", "type": "x", "created": 1, "data": {{"object": {{"n": {inner}}}}}}}'
    )
    return payload.encode()


def test_a_body_may_nest_up_to_the_limit_and_no_deeper() -> None:
    at_limit, beyond = nested_event(MAX_JSON_DEPTH), nested_event(MAX_JSON_DEPTH + 1)
    assert (json_depth(at_limit), json_depth(beyond)) == (MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1)
    assert verify_event(at_limit, signed(at_limit, NOW), SECRET, now=NOW)["id"] == "evt_1"
    assert rejection(beyond, signed(beyond, NOW), now=NOW) == "the body nests deeper than 64 levels"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "the body is not JSON"),
        (b"{", "the body is not JSON"),
        (b"[]", "not a Stripe event (id, type, created and data.object expected)"),
        (
            body({"id": "evt_1", "type": "x", "created": 1, "data": {"object": None}}),
            "not a Stripe event (id, type, created and data.object expected)",
        ),
    ],
)
def test_a_signed_body_that_is_not_an_event_says_why(payload: bytes, message: str) -> None:
    assert rejection(payload, signed(payload, NOW), now=NOW) == message


@pytest.mark.parametrize(
    ("payload", "depth"),
    [
        (b"", 0),
        (b"1", 0),
        (b'"[[{{"', 0),
        (b"[]", 1),
        (b'{"a": 1}', 1),
        (b'{"a": [{}, {}]}', 3),
        # Closing brackets bring the depth back down before the next opening.
        (b'{"a": {"b": [], "c": [[[]]]}}', 5),
        (b'{"a": "[[[[{{{{"}', 1),
        # An escaped quote does not end the string; an escaped backslash does not escape.
        (b'{"a": "\\"[[[["}', 1),
        (b'{"a": "\\\\", "b": [[]]}', 3),
        (b'{"a": "x\\n", "b": [[]]}', 3),
    ],
)
def test_json_depth_counts_brackets_outside_strings(payload: bytes, depth: int) -> None:
    assert json_depth(payload) == depth


@pytest.mark.parametrize(
    ("type_", "obj", "expected"),
    [
        (
            "checkout.session.async_payment_succeeded",
            {"id": "cs_1", "customer": {"id": "cus_1", "object": "customer"}},
            {"checkout_session_id": "cs_1", "customer_id": "cus_1"},
        ),
        # A guest checkout has no customer yet.
        (
            "checkout.session.completed",
            {"id": "cs_1", "customer": None},
            {"checkout_session_id": "cs_1"},
        ),
        ("customer.subscription.paused", {"customer": "cus_1"}, {"customer_id": "cus_1"}),
        ("customer.subscription.resumed", {"customer": "cus_1"}, {"customer_id": "cus_1"}),
        ("invoice.paid", {"customer": ""}, {}),
        ("invoice.paid", {}, {}),
        ("invoice.paid", {"customer": {"object": "customer", "deleted": True}}, {}),
        ("charge.refunded", {"id": "ch_1", "customer": None}, {"charge_id": "ch_1"}),
        ("charge.dispute.closed", {"id": "dp_1", "charge": {"id": "ch_1"}}, {"charge_id": "ch_1"}),
    ],
)
def test_references_are_ids_or_expanded_objects_or_absent(
    type_: str, obj: dict, expected: dict
) -> None:
    assert interpret_event(event(type_, obj, created=42)) == MembershipEvent(
        event_id="evt_1", type=type_, created=42, **expected
    )
