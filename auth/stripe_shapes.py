"""Stripe's JSON objects read as the plain values of `auth.billing_rules`.

Kept apart from the gateway so the shapes (which change with Stripe's API versions) can be
read, and tested, without any network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from auth.billing_rules import LifetimePurchase, SubscriptionState
from auth.offers import discount_words
from auth.plans import Plan, plan_of_interval

LIFETIME = Plan.LIFETIME


def subscription_state(
    raw: Mapping[str, Any], plan_of_price: Mapping[str, str]
) -> SubscriptionState:
    """A Stripe Subscription object as the rules see it.

    Since API version 2025-03-31 the billing period lives on the subscription items
    (https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end);
    older shapes carried it on the subscription itself, which is read as a fallback.
    """
    items = (raw.get("items") or {}).get("data") or [{}]
    item = items[0]
    price = item.get("price") or {}
    recurring = price.get("recurring") or {}
    plan = (
        (raw.get("metadata") or {}).get("plan")
        or plan_of_price.get(price.get("id", ""))
        or plan_of_interval(recurring.get("interval"))
    )
    return SubscriptionState(
        id=raw["id"],
        customer_id=id_of(raw.get("customer")) or "",
        status=raw.get("status", ""),
        plan=plan,
        created=int(raw.get("created") or 0),
        current_period_start=time_of(
            item.get("current_period_start", raw.get("current_period_start"))
        ),
        current_period_end=time_of(item.get("current_period_end", raw.get("current_period_end"))),
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
        **_discount(raw, price),
    )


def _discount(raw: Mapping[str, Any], price: Mapping[str, Any]) -> dict[str, Any]:
    """The promotion a subscription carries now (its `discounts`, expanded), and what one
    period costs with it. Since 2025-09-30 a discount names its coupon under `source`."""
    amount = price.get("unit_amount")
    for discount in raw.get("discounts") or []:
        if not isinstance(discount, Mapping):
            continue  # an id: the list was not expanded, so nothing is known of it
        coupon = (discount.get("source") or {}).get("coupon") or discount.get("coupon")
        if not isinstance(coupon, Mapping):
            continue
        paying = None
        if isinstance(amount, int):
            off = amount * float(coupon.get("percent_off") or 0) / 100
            off = off or int(coupon.get("amount_off") or 0)
            paying = max(0, round(amount - off))
        return {"discount": discount_words(coupon), "paying_cents": paying}
    return {"discount": None, "paying_cents": amount if isinstance(amount, int) else None}


def lifetime_purchase(
    raw: Mapping[str, Any], charge_of: Mapping[str | None, Mapping[str, Any]]
) -> LifetimePurchase | None:
    """A paid lifetime Checkout Session with its charge's refund and dispute state."""
    if (
        raw.get("mode") != "payment"
        or (raw.get("metadata") or {}).get("plan") != LIFETIME
        or raw.get("payment_status") != "paid"
        or not id_of(raw.get("customer"))
    ):
        return None
    charge = charge_of.get(id_of(raw.get("payment_intent"))) or {}
    return LifetimePurchase(
        checkout_session_id=raw["id"],
        customer_id=id_of(raw.get("customer")) or "",
        created=int(raw.get("created") or 0),
        # `refunded` is true only once the whole amount is refunded; a partial refund is
        # a goodwill gesture, not the end of the membership.
        refunded=bool(charge.get("refunded")),
        disputed=bool(charge.get("disputed")),
    )


def time_of(value: object) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int) else None


def id_of(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return cast(str, value["id"])
    return None


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "user_message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
