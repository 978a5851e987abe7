"""`POST /webhooks/stripe` under Stripe's contract: signed, repeated, unordered, retried."""

from __future__ import annotations

import json
import time

import pytest
from support.stripe_app import Shop
from support.stripe_app import stripe_signature as sign

from auth.billing_rules import BillingOutcome
from publisher.billing.membership import apply_outcome
from publisher.members.members import find_member

pytestmark = pytest.mark.stripe


def paid_checkout_body(shop: Shop, email: str = "ann@example.com") -> bytes:
    """A genuine checkout.session.completed event for a paid lifetime session."""
    _, events = shop.buy("lifetime", email)
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    return json.dumps(completed).encode()


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "t=1700000000,v1=" + "0" * 64,  # forged
        "v1=deadbeef",  # malformed header
        "stale",
        "other-secret",
    ],
)
def test_unsigned_or_forged_deliveries_change_nothing(shop: Shop, signature: str | None) -> None:
    body = paid_checkout_body(shop)
    if signature == "stale":
        signature = sign(body, "whsec_test_billing_endpoint_secret", int(time.time()) - 600)
    elif signature == "other-secret":
        signature = sign(body, "whsec_someone_else")
    answer = shop.post_webhook(body, signature=signature)
    assert answer.status_code == 400
    assert shop.members() == [] and shop.recorded_events() == []


@pytest.mark.parametrize("body", [b"", b"not json", b"{}", b'{"id": "evt_1", "type": 3}'])
def test_signed_but_malformed_bodies_change_nothing(shop: Shop, body: bytes) -> None:
    assert shop.post_webhook(body).status_code == 400
    assert shop.recorded_events() == []


def test_a_repeated_delivery_is_acknowledged_without_a_second_effect(shop: Shop) -> None:
    body = paid_checkout_body(shop)
    first = shop.post_webhook(body)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    event_id = json.loads(body)["id"]
    assert shop.recorded_events() == [event_id]
    calls_before = len(shop.stripe.requests)
    again = shop.post_webhook(body)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert len(shop.stripe.requests) == calls_before  # not even a look at Stripe
    assert shop.members() == ["ann@example.com"]


def test_an_older_delivery_never_overwrites_a_newer_state(shop: Shop) -> None:
    session_id, joined = shop.buy("monthly", "bo@example.com")
    sub = shop.stripe.session_subscription(session_id)
    cancelled = shop.stripe.end_subscription(sub, "canceled")
    # Stripe delivers the cancellation first, then the (older) events of the purchase.
    shop.deliver(*cancelled)
    shop.deliver(*reversed(joined))
    assert shop.member("bo@example.com")["status"] == "lapsed"
    assert shop.access(shop.token_of("bo@example.com")).notice == "lapsed"


def test_events_of_other_kinds_are_acknowledged_and_ignored(shop: Shop) -> None:
    _, events = shop.buy("lifetime", "cy@example.com")
    succeeded = next(e for e in events if e["type"] == "charge.succeeded")
    answer = shop.deliver(succeeded)[0]
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    assert shop.members() == []


def test_an_internal_failure_answers_500_so_stripe_retries(shop: Shop) -> None:
    body = paid_checkout_body(shop, "di@example.com")
    shop.stripe.outage = True
    failed = shop.post_webhook(body)
    assert failed.status_code == 500
    assert shop.members() == [] and shop.recorded_events() == []
    shop.stripe.outage = False
    retried = shop.post_webhook(body)
    assert retried.status_code == 200 and retried.json()["outcome"] == "applied"
    assert shop.member("di@example.com")["status"] == "active"


def test_a_stored_state_is_only_replaced_by_an_equal_or_newer_version(shop: Shop) -> None:
    _, events = shop.buy("yearly", "ed@example.com")
    shop.deliver(*events)
    older = BillingOutcome("lapsed", "canceled", "yearly", "subscription canceled", "cus_x")
    with shop.services.db.session() as session:
        member = find_member(session, "ed@example.com")
        assert member is not None
        newest = member.billing_version
        assert newest > 0
        assert apply_outcome(member, older, version=newest - 1) is False
        assert member.status == "active"
        session.rollback()
