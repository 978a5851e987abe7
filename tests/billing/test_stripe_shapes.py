"""Stripe's JSON objects (Subscription, Checkout Session, Charge, errors) as plain values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import stripe

from auth.billing_rules import LifetimePurchase, SubscriptionState
from auth.stripe_shapes import first_line, lifetime_purchase, subscription_state

START, END = 1_700_000_000, 1_702_592_000
PRICES = {"price_monthly": "monthly", "price_yearly": "yearly"}


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def price(price_id: str = "price_monthly", interval: str | None = "month") -> dict[str, Any]:
    recurring = {"interval": interval, "interval_count": 1} if interval else None
    return {"id": price_id, "object": "price", "recurring": recurring}


def subscription(item: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A Subscription as API version 2025-03-31 and later sends it: the period on its item."""
    item = {
        "id": "si_1",
        "object": "subscription_item",
        "price": price(),
        "current_period_start": START,
        "current_period_end": END,
        **(item or {}),
    }
    return {
        "id": "sub_1",
        "object": "subscription",
        "customer": "cus_1",
        "status": "active",
        "created": 1_699_999_000,
        "cancel_at_period_end": False,
        "metadata": {},
        "items": {"object": "list", "data": [item]},
        **fields,
    }


def test_a_subscription_reads_as_the_state_the_rules_take() -> None:
    assert subscription_state(subscription(), PRICES) == SubscriptionState(
        id="sub_1",
        customer_id="cus_1",
        status="active",
        plan="monthly",
        created=1_699_999_000,
        current_period_start=at(START),
        current_period_end=at(END),
        cancel_at_period_end=False,
    )


@pytest.mark.parametrize("status", ["trialing", "past_due", "unpaid", "canceled", "paused"])
def test_the_status_is_stripes_own(status: str) -> None:
    assert subscription_state(subscription(status=status), PRICES).status == status


def test_a_cancellation_at_the_period_end_is_carried() -> None:
    state = subscription_state(subscription(cancel_at_period_end=True), PRICES)
    assert state.cancel_at_period_end is True


def test_an_expanded_customer_is_read_as_its_id() -> None:
    customer = {"id": "cus_9", "object": "customer", "email": "a@example.com"}
    assert subscription_state(subscription(customer=customer), PRICES).customer_id == "cus_9"


@pytest.mark.parametrize(
    "raw",
    [
        {"id": "sub_1"},
        {"id": "sub_1", "customer": None, "created": None, "metadata": None, "items": None},
        {"id": "sub_1", "customer": {"object": "customer"}, "items": {"data": []}},
    ],
    ids=["absent", "null", "empty"],
)
def test_missing_fields_read_as_empty_values(raw: dict[str, Any]) -> None:
    assert subscription_state(raw, PRICES) == SubscriptionState(
        id="sub_1", customer_id="", status="", plan="monthly", created=0
    )


@pytest.mark.parametrize(
    ("metadata", "item_price", "expected"),
    [
        # The plan chosen at checkout, stored on the subscription, wins over everything.
        ({"plan": "yearly"}, price("price_monthly"), "yearly"),
        ({"plan": "yearly"}, price("price_unknown", "month"), "yearly"),
        # Then the configured price.
        ({}, price("price_yearly", "month"), "yearly"),
        (None, price("price_monthly", "year"), "monthly"),
        # Then the price's billing interval.
        ({}, price("price_unknown", "year"), "yearly"),
        ({}, price("price_unknown", "month"), "monthly"),
        ({}, price("price_unknown", None), "monthly"),
        ({}, None, "monthly"),
    ],
)
def test_the_plan_comes_from_metadata_then_price_then_interval(
    metadata: dict[str, str] | None, item_price: dict[str, Any] | None, expected: str
) -> None:
    raw = subscription({"price": item_price}, metadata=metadata)
    assert subscription_state(raw, PRICES).plan == expected


@pytest.mark.parametrize(
    ("item_period", "subscription_period", "expected"),
    [
        ({}, {}, (START, END)),
        # Before 2025-03-31 the period was on the subscription and its items had none.
        ({"current_period_start": None, "current_period_end": None}, {}, (None, None)),
        (
            {"current_period_start": START, "current_period_end": END},
            {"current_period_start": 1, "current_period_end": 2},
            (START, END),
        ),
    ],
    ids=["on the item", "null on the item", "the item wins"],
)
def test_the_period_is_read_from_the_item_first(
    item_period: dict[str, Any], subscription_period: dict[str, Any], expected: tuple
) -> None:
    state = subscription_state(subscription(item_period, **subscription_period), PRICES)
    assert (state.current_period_start, state.current_period_end) == tuple(
        None if t is None else at(t) for t in expected
    )


def test_the_older_shape_carries_the_period_on_the_subscription() -> None:
    raw = subscription(current_period_start=START, current_period_end=END)
    for item in raw["items"]["data"]:
        del item["current_period_start"], item["current_period_end"]
    state = subscription_state(raw, PRICES)
    assert (state.current_period_start, state.current_period_end) == (at(START), at(END))


def test_a_subscription_with_no_period_anywhere_has_none() -> None:
    raw = subscription()
    for item in raw["items"]["data"]:
        del item["current_period_start"], item["current_period_end"]
    state = subscription_state(raw, PRICES)
    assert (state.current_period_start, state.current_period_end) == (None, None)


# --- lifetime purchases ------------------------------------------------------------------


def priced(unit_amount: object, discounts: list[Any] | None) -> dict[str, Any]:
    """A subscription at `unit_amount` a period with these `discounts` (expanded or ids)."""
    return subscription({"price": {**price(), "unit_amount": unit_amount}}, discounts=discounts)


TWENTY = {"id": "co_20", "percent_off": 20.0, "duration": "forever"}
TEN_DOLLARS = {"id": "co_10", "amount_off": 1000, "percent_off": None, "duration": "once"}


@pytest.mark.parametrize(
    ("unit_amount", "discounts", "expected"),
    [
        (7700, None, (None, 7700)),
        (7700, [], (None, 7700)),
        (None, None, (None, None)),
        ("7700", None, (None, None)),  # only a whole number of cents is an amount
        # Since 2025-09-30 a discount names its coupon under `source`; before, at its top.
        (7700, [{"source": {"coupon": TWENTY}}], ("20% off", 6160)),
        (7700, [{"coupon": TWENTY}], ("20% off", 6160)),
        (7700, [{"coupon": TEN_DOLLARS}], ("$10.00 off the first payment", 6700)),
        # Ids (the list not expanded) and coupons not expanded are passed over, not final.
        (7700, ["di_1", {"source": {"coupon": TWENTY}}], ("20% off", 6160)),
        (
            7700,
            [{"source": {"coupon": "co_20"}}, {"coupon": TEN_DOLLARS}],
            ("$10.00 off the first payment", 6700),
        ),
        (7700, ["di_1", {"source": {"coupon": "co_20"}}], (None, 7700)),
        # Never below nothing, and no amount to take it from is no price.
        (700, [{"coupon": TEN_DOLLARS}], ("$10.00 off the first payment", 0)),
        (7700, [{"coupon": {"percent_off": 100, "duration": "forever"}}], ("100% off", 0)),
        (None, [{"coupon": TWENTY}], ("20% off", None)),
    ],
)
def test_a_discount_reads_as_its_words_and_the_price_a_period_costs_with_it(
    unit_amount: object, discounts: list[Any] | None, expected: tuple[str | None, int | None]
) -> None:
    state = subscription_state(priced(unit_amount, discounts), PRICES)
    assert (state.discount, state.paying_cents) == expected


def session(**fields: Any) -> dict[str, Any]:
    """A completed, paid lifetime Checkout Session."""
    return {
        "id": "cs_1",
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "status": "complete",
        "customer": "cus_1",
        "metadata": {"plan": "lifetime"},
        "payment_intent": "pi_1",
        "created": 1_700_000_007,
        **fields,
    }


def charge(**fields: Any) -> dict[str, Any]:
    return {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount": 9900,
        "amount_refunded": 0,
        "refunded": False,
        "disputed": False,
        **fields,
    }


def test_a_paid_lifetime_session_reads_as_a_purchase() -> None:
    assert lifetime_purchase(session(), {"pi_1": charge()}) == LifetimePurchase(
        checkout_session_id="cs_1", customer_id="cus_1", created=1_700_000_007
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"customer": {"id": "cus_1", "object": "customer"}}, {}),
        ({"payment_intent": {"id": "pi_1", "object": "payment_intent"}}, {}),
        ({"created": None}, {"created": 0}),
    ],
)
def test_expanded_references_and_missing_creation_time(
    fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    purchase = lifetime_purchase(session(**fields), {"pi_1": charge(refunded=True)})
    assert purchase == LifetimePurchase(
        **{
            "checkout_session_id": "cs_1",
            "customer_id": "cus_1",
            "created": 1_700_000_007,
            "refunded": True,
            **expected,
        }
    )


@pytest.mark.parametrize(
    ("charge_of", "state"),
    [
        ({"pi_1": charge()}, "paid"),
        ({"pi_1": charge(refunded=True, amount_refunded=9900)}, "refunded"),
        # A partial refund is a goodwill gesture: the membership stays.
        ({"pi_1": charge(amount_refunded=1000)}, "paid"),
        ({"pi_1": charge(disputed=True)}, "disputed"),
        ({"pi_1": charge(refunded=True, disputed=True)}, "disputed"),
        # Another payment's charge, or none found yet, says nothing against the purchase.
        ({"pi_2": charge(payment_intent="pi_2", refunded=True)}, "paid"),
        ({}, "paid"),
    ],
)
def test_the_charge_decides_refunded_and_disputed(
    charge_of: dict[str, dict[str, Any]], state: str
) -> None:
    purchase = lifetime_purchase(session(), charge_of)
    assert purchase is not None and purchase.state == state


@pytest.mark.parametrize(
    "fields",
    [
        {"mode": "subscription"},
        {"metadata": {"plan": "yearly"}},
        {"metadata": None},
        {"payment_status": "unpaid"},
        {"payment_status": "no_payment_required"},
        {"customer": None},
        {"customer": ""},
    ],
)
def test_only_paid_lifetime_sessions_with_a_customer_are_purchases(fields: dict) -> None:
    assert lifetime_purchase(session(**fields), {"pi_1": charge()}) is None


# --- error messages ----------------------------------------------------------------------


def card_error(message: str) -> stripe.CardError:
    """A Stripe error as the library raises it: str() prefixes the request id."""
    return stripe.CardError(message, "number", "card_declined", headers={"request-id": "req_1"})


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ValueError("one line"), "one line"),
        (ValueError("first line\nsecond line"), "first line"),
        (ValueError("\n  indented first\nsecond"), "indented first"),
        (ValueError(""), "ValueError"),
        (ValueError(" \n "), "ValueError"),
        (ConnectionError(), "ConnectionError"),
        # Stripe's errors: the message for people, without "Request req_…: ".
        (card_error("Your card was declined.\nDetails follow."), "Your card was declined."),
        (card_error(""), "Request req_1: <empty message>"),
    ],
)
def test_first_line_of_an_error(exc: BaseException, expected: str) -> None:
    assert first_line(exc) == expected


def test_a_coupon_that_names_no_amount_takes_nothing_off() -> None:
    state = subscription_state(priced(7700, [{"coupon": {"duration": "forever"}}]), PRICES)
    assert state.paying_cents == 7700
