"""What Stripe answers, as the plain values billing reads: no network, no client.

The gateway (`auth.stripe_api`) turns Stripe's objects into these; the billing shell passes
them around and stores none of Stripe's own objects. Kept apart so the values (and the pure
readings of Stripe's JSON that make them) can be imported without the client.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auth.billing_rules import LifetimePurchase, SubscriptionState
from auth.stripe_shapes import id_of, lifetime_purchase, subscription_state


@dataclass(frozen=True)
class CheckoutSummary:
    """The parts of a Checkout Session that provisioning needs."""

    id: str
    created: int
    complete: bool
    plan: str | None
    customer_id: str | None
    email: str | None
    # Set by our server (metadata) for a signed-in member's checkout, so it can be trusted;
    # the typed email cannot (Stripe does not verify it).
    member_id: str | None = None
    mode: str = "subscription"
    subscription_id: str | None = None
    payment_intent_id: str | None = None
    gift_id: str | None = None  # set by our server (metadata) for a gift's one-time Checkout
    amount_total: int | None = None  # what was charged, in the currency's smallest unit
    name: str | None = None  # the name typed at Checkout, if any (customer_details.name)
    currency: str | None = None


@dataclass(frozen=True)
class ChargeState:
    """A charge as refunds and disputes change it."""

    id: str
    customer_id: str | None
    payment_intent_id: str | None
    refunded: bool  # the whole amount
    disputed: bool


@dataclass(frozen=True)
class Purchases:
    """Everything one or more Stripe customers bought, as Stripe reports it now."""

    subscriptions: tuple[SubscriptionState, ...] = ()
    lifetime: tuple[LifetimePurchase, ...] = ()

    def __add__(self, other: Purchases) -> Purchases:
        return Purchases(self.subscriptions + other.subscriptions, self.lifetime + other.lifetime)


def group_purchases(
    subscriptions: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    charges: list[dict[str, Any]],
    plan_of_price: Mapping[str, str],
) -> dict[str, Purchases]:
    """Group raw listings by customer, as `auth.billing_rules` values."""
    subs: dict[str, list[SubscriptionState]] = defaultdict(list)
    for raw in subscriptions:
        state = subscription_state(raw, plan_of_price)
        subs[state.customer_id].append(state)
    charge_of = {id_of(c.get("payment_intent")): c for c in charges if c.get("payment_intent")}
    lifetime: dict[str, list[LifetimePurchase]] = defaultdict(list)
    for raw in sessions:
        purchase = lifetime_purchase(raw, charge_of)
        if purchase is not None:
            lifetime[purchase.customer_id].append(purchase)
    return {
        customer: Purchases(tuple(subs[customer]), tuple(lifetime[customer]))
        for customer in set(subs) | set(lifetime)
    }


def checkout_summary(found: Mapping[str, Any]) -> CheckoutSummary:
    """A Checkout Session object as provisioning reads it."""
    details = found.get("customer_details") or {}
    metadata = found.get("metadata") or {}
    return CheckoutSummary(
        id=found["id"],
        created=int(found.get("created") or 0),
        complete=found.get("status") == "complete"
        and found.get("payment_status") in ("paid", "no_payment_required"),
        plan=metadata.get("plan"),
        customer_id=id_of(found.get("customer")),
        email=details.get("email") or found.get("customer_email"),
        name=details.get("name") or None,
        member_id=metadata.get("member_id") or None,
        mode=found.get("mode") or "subscription",
        subscription_id=id_of(found.get("subscription")),
        payment_intent_id=id_of(found.get("payment_intent")),
        gift_id=metadata.get("gift_id") or None,
        amount_total=found.get("amount_total"),
        currency=found.get("currency") or None,
    )
