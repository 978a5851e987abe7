"""The calls we make to Stripe, through stripe-python's `StripeClient`, as plain values.

Everything the service asks Stripe goes through `StripeGateway`: creating Checkout and
Customer Portal sessions (with idempotency keys, so a retried request never makes a second
one: https://docs.stripe.com/api/idempotent_requests), and reading a customer's current
subscriptions and lifetime payments. Answers come back as the dataclasses of
`auth.billing_rules`, so nothing above this module sees a Stripe object.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stripe import InvalidRequestError, ListObject, StripeClient, StripeError

from auth.billing_rules import LifetimePurchase, SubscriptionState

LIFETIME = "lifetime"


class StripeFailure(RuntimeError):
    """Stripe could not be reached or refused a call; the message is one line."""


@dataclass(frozen=True)
class CheckoutSummary:
    """The parts of a Checkout Session that provisioning needs."""

    id: str
    created: int
    complete: bool
    plan: str | None
    customer_id: str | None
    email: str | None


@dataclass(frozen=True)
class Purchases:
    """Everything one or more Stripe customers bought, as Stripe reports it now."""

    subscriptions: tuple[SubscriptionState, ...] = ()
    lifetime: tuple[LifetimePurchase, ...] = ()

    def __add__(self, other: Purchases) -> Purchases:
        return Purchases(self.subscriptions + other.subscriptions, self.lifetime + other.lifetime)


class StripeGateway:
    """One account's Stripe API, reached at `api_base` when set (tests point it at a fake)."""

    def __init__(
        self, api_key: str, api_base: str | None = None, prices: Mapping[str, str] | None = None
    ) -> None:
        self.client = StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
        )
        self.plan_of_price = {price: plan for plan, price in (prices or {}).items()}

    # --- sessions a member is sent to ----------------------------------------------------

    def create_checkout(
        self,
        plan: str,
        price: str,
        success_url: str,
        cancel_url: str,
        request_nonce: str,
        customer_id: str | None = None,
    ) -> str:
        """A Checkout Session for one plan; its URL. Lifetime is a one-time payment."""
        params: dict[str, Any] = {
            "mode": "payment" if plan == LIFETIME else "subscription",
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": {"plan": plan},
        }
        if plan == LIFETIME:
            # Payment mode makes no customer unless asked; a member is one customer.
            params["payment_intent_data"] = {"metadata": {"plan": plan}}
            if customer_id is None:
                params["customer_creation"] = "always"
        else:
            params["subscription_data"] = {"metadata": {"plan": plan}}
        if customer_id is not None:
            params["customer"] = customer_id
        key = f"checkout-{plan}-{request_nonce}"
        session = self._call(
            self.client.v1.checkout.sessions.create, params, {"idempotency_key": key}
        )
        return session["url"]

    def create_portal(self, customer_id: str, return_url: str) -> str:
        """A Customer Portal session URL; repeated clicks within a minute reuse one session."""
        key = f"portal-{customer_id}-{int(time.time()) // 60}"
        session = self._call(
            self.client.v1.billing_portal.sessions.create,
            {"customer": customer_id, "return_url": return_url},
            {"idempotency_key": key},
        )
        return session["url"]

    # --- reading what was bought ---------------------------------------------------------

    def checkout_session(self, session_id: str) -> CheckoutSummary | None:
        """The Checkout Session as Stripe has it now, or None when Stripe has no such session."""
        found = self._retrieve(self.client.v1.checkout.sessions.retrieve, session_id)
        if found is None:
            return None
        details = found.get("customer_details") or {}
        return CheckoutSummary(
            id=found["id"],
            created=int(found.get("created") or 0),
            complete=found.get("status") == "complete"
            and found.get("payment_status") in ("paid", "no_payment_required"),
            plan=(found.get("metadata") or {}).get("plan"),
            customer_id=_id_of(found.get("customer")),
            email=details.get("email") or found.get("customer_email"),
        )

    def customer_email(self, customer_id: str) -> str | None:
        found = self._retrieve(self.client.v1.customers.retrieve, customer_id)
        return None if found is None or found.get("deleted") else found.get("email")

    def customers_with_email(self, email: str) -> list[str]:
        """Every customer Stripe has under this email (a second checkout may have made one)."""
        listing = self._call(self.client.v1.customers.list, {"email": email, "limit": 100})
        return [c["id"] for c in listing]

    def charge_customer(self, charge_id: str) -> str | None:
        found = self._retrieve(self.client.v1.charges.retrieve, charge_id)
        return None if found is None else _id_of(found.get("customer"))

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        """The current subscriptions and lifetime payments of these customers."""
        total = Purchases()
        for customer_id in dict.fromkeys(customer_ids):
            scope = {"customer": customer_id}
            total += self._purchases(
                self._list(self.client.v1.subscriptions.list, {**scope, "status": "all"}),
                self._list(self.client.v1.checkout.sessions.list, {**scope, "status": "complete"}),
                self._list(self.client.v1.charges.list, scope),
            ).get(customer_id, Purchases())
        return total

    def all_purchases(self) -> dict[str, Purchases]:
        """Every customer's purchases in the account, for reconciliation."""
        return self._purchases(
            self._list(self.client.v1.subscriptions.list, {"status": "all"}),
            self._list(self.client.v1.checkout.sessions.list, {"status": "complete"}),
            self._list(self.client.v1.charges.list, {}),
        )

    def all_customer_emails(self) -> dict[str, str | None]:
        return {c["id"]: c.get("email") for c in self._list(self.client.v1.customers.list, {})}

    def _purchases(
        self,
        subscriptions: list[dict[str, Any]],
        sessions: list[dict[str, Any]],
        charges: list[dict[str, Any]],
    ) -> dict[str, Purchases]:
        """Group raw listings by customer, as `auth.billing_rules` values."""
        subs: dict[str, list[SubscriptionState]] = defaultdict(list)
        for raw in subscriptions:
            state = subscription_state(raw, self.plan_of_price)
            subs[state.customer_id].append(state)
        charge_of = {_id_of(c.get("payment_intent")): c for c in charges if c.get("payment_intent")}
        lifetime: dict[str, list[LifetimePurchase]] = defaultdict(list)
        for raw in sessions:
            purchase = lifetime_purchase(raw, charge_of)
            if purchase is not None:
                lifetime[purchase.customer_id].append(purchase)
        return {
            customer: Purchases(tuple(subs[customer]), tuple(lifetime[customer]))
            for customer in set(subs) | set(lifetime)
        }

    # --- plumbing --------------------------------------------------------------------------

    def _call(self, method: Any, params: dict[str, Any], options: Any = None) -> Any:
        try:
            result = method(params=params, options=options)
        except StripeError as exc:
            raise StripeFailure(f"Stripe refused the request: {_first_line(exc)}") from exc
        if isinstance(result, ListObject):
            return [item.to_dict() for item in result.auto_paging_iter()]
        return result.to_dict()

    def _list(self, method: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._call(method, {**params, "limit": 100})

    def _retrieve(self, method: Any, object_id: str) -> dict[str, Any] | None:
        try:
            return method(object_id).to_dict()
        except InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return None
            raise StripeFailure(f"Stripe refused the request: {_first_line(exc)}") from exc
        except StripeError as exc:
            raise StripeFailure(f"Stripe could not be reached: {_first_line(exc)}") from exc


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
        or ("yearly" if recurring.get("interval") == "year" else "monthly")
    )
    return SubscriptionState(
        id=raw["id"],
        customer_id=_id_of(raw.get("customer")) or "",
        status=raw.get("status", ""),
        plan=plan,
        created=int(raw.get("created") or 0),
        current_period_start=_time(
            item.get("current_period_start", raw.get("current_period_start"))
        ),
        current_period_end=_time(item.get("current_period_end", raw.get("current_period_end"))),
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
    )


def lifetime_purchase(
    raw: Mapping[str, Any], charge_of: Mapping[str | None, Mapping[str, Any]]
) -> LifetimePurchase | None:
    """A paid lifetime Checkout Session with its charge's refund and dispute state."""
    if (
        raw.get("mode") != "payment"
        or (raw.get("metadata") or {}).get("plan") != LIFETIME
        or raw.get("payment_status") != "paid"
        or not _id_of(raw.get("customer"))
    ):
        return None
    charge = charge_of.get(_id_of(raw.get("payment_intent"))) or {}
    return LifetimePurchase(
        checkout_session_id=raw["id"],
        customer_id=_id_of(raw.get("customer")) or "",
        created=int(raw.get("created") or 0),
        # `refunded` is true only once the whole amount is refunded; a partial refund is
        # a goodwill gesture, not the end of the membership.
        refunded=bool(charge.get("refunded")),
        disputed=bool(charge.get("disputed")),
    )


def _time(value: object) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int) else None


def _id_of(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "user_message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
