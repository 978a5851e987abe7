"""A stand-in Stripe account's objects and the API calls that read and create them.

One `StripeStore` per API key: customers, Checkout Sessions, subscriptions, invoices,
charges, disputes and portal sessions as Stripe's JSON shapes (`object`, `id`, `created`,
`livemode`), newest first in lists as Stripe lists them. `engine` adds what customers and
Stripe's billing engine do; `api` serves it over HTTP. The test suite's fake Stripe and the
development demo billing are both this one stand-in, so the demo runs what the tests prove.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

PRICES: dict[str, dict[str, Any]] = {
    "price_monthly_77": {"unit_amount": 7700, "interval": "month", "title": "Monthly membership"},
    "price_yearly_222": {"unit_amount": 22200, "interval": "year", "title": "Yearly membership"},
    "price_lifetime_333": {"unit_amount": 33300, "interval": None, "title": "Lifetime membership"},
    "price_gift_months_3": {"unit_amount": 9900, "interval": None, "title": "Gift: three months"},
    "price_gift_yearly_222": {"unit_amount": 22200, "interval": None, "title": "Gift: a year"},
    "price_gift_lifetime_333": {"unit_amount": 33300, "interval": None, "title": "Gift: for good"},
}
PRICES_SETTING = (
    "monthly=price_monthly_77,yearly=price_yearly_222,lifetime=price_lifetime_333,"
    "months-3=price_gift_months_3,gift-yearly=price_gift_yearly_222,"
    "gift-lifetime=price_gift_lifetime_333"
)
PERIOD_SECONDS = {"month": 30 * 86400, "year": 365 * 86400}
_ids = itertools.count(1)


class StripeRequestError(Exception):
    """Answered as Stripe's error JSON."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class StripeRefusal(StripeRequestError):
    """An error a test told the fake to answer (`refuse`); Stripe says not to retry it."""


@dataclass(frozen=True)
class SentRequest:
    """One request as the fake received it, with its query (GET, DELETE) or form (POST)."""

    method: str
    path: str
    idempotency_key: str | None
    params: dict[str, Any]


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}{uuid.uuid4().hex[:10]}"


class StripeStore:
    """One Stripe account's objects, and the API calls the service makes on them."""

    def __init__(self, api_key: str, base_url: str) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.objects: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, idempotency key
        self.sent: list[SentRequest] = []  # the same requests with their decoded parameters
        # Answers to give instead of the real one, by (method, path): see `refuse`.
        self.refusals: dict[tuple[str, str], StripeRequestError] = {}
        # Invoices as before API version 2025-03-31: the invoice names its PaymentIntent
        # itself and there are no InvoicePayment objects.
        self.legacy_invoices = False
        self.time_offset = 0
        self.outage = False  # when set, every API call answers 500 (Stripe having a bad day)
        self.lock = threading.RLock()

    def now(self) -> int:
        return int(time.time()) + self.time_offset

    # --- storage -------------------------------------------------------------------------

    def add(self, prefix: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": new_id(prefix), "created": self.now(), "livemode": False, **obj}
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise StripeRequestError(404, f"No such {kind}: '{object_id}'", "resource_missing")
        return obj

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Newest first, as Stripe lists."""
        return [o for o in reversed(self.objects.values()) if o["object"] == kind]

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Record and return the event Stripe would send, with a snapshot of the object."""
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": self.now(),
            "livemode": False,
            "pending_webhooks": 1,
            "type": type_,
            "data": {"object": copy.deepcopy(obj)},
        }
        self.events.append(event)
        return event

    # --- the API -------------------------------------------------------------------------

    def create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode")
        items = params.get("line_items") or []
        if mode not in ("payment", "subscription") or len(items) != 1:
            raise StripeRequestError(400, "mode and exactly one line item are required")
        price = PRICES.get(items[0].get("price", ""))
        if price is None:
            raise StripeRequestError(400, f"No such price: '{items[0].get('price')}'")
        if (mode == "subscription") != (price["interval"] is not None):
            raise StripeRequestError(400, f"price does not fit mode {mode}")
        customer = params.get("customer")
        if customer is not None:
            self.get(customer, "customer")
        session = self.add(
            "cs",
            {
                "object": "checkout.session",
                "mode": mode,
                "status": "open",
                "payment_status": "unpaid",
                "customer": customer,
                "customer_creation": params.get("customer_creation"),
                "customer_details": None,
                "customer_email": params.get("customer_email"),
                "metadata": params.get("metadata") or {},
                "success_url": params["success_url"],
                "cancel_url": params.get("cancel_url"),
                "subscription": None,
                "payment_intent": None,
                "amount_total": price["unit_amount"],
                "currency": "usd",
                "_price": items[0]["price"],
                "_subscription_data": params.get("subscription_data") or {},
                "allow_promotion_codes": params.get("allow_promotion_codes") == "true",
                "discounts": params.get("discounts") or [],
            },
        )
        session["url"] = f"{self.base_url}/c/pay/{session['id']}"
        return session

    def create_portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = self.get(params.get("customer", ""), "customer")
        return self.add(
            "bps",
            {
                "object": "billing_portal.session",
                "customer": customer["id"],
                "return_url": params.get("return_url"),
                "url": f"{self.base_url}/p/session/{uuid.uuid4().hex}",
            },
        )

    def cancel_subscription(self, sub_id: str) -> dict[str, Any]:
        """DELETE /v1/subscriptions/{id}: ended at once; a canceled one cannot be again."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            if sub["status"] == "canceled":
                raise StripeRequestError(
                    400, "A canceled subscription can only update its cancellation_details."
                )
            sub.update(status="canceled", canceled_at=self.now())
            self.event("customer.subscription.deleted", sub)
            return sub

    def update_customer(self, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/customers/{id}: the email (and name) change as sent; an event, as Stripe's."""
        with self.lock:
            customer = self.get(customer_id, "customer")
            customer.update({k: v for k, v in params.items() if k in ("email", "name")})
            self.event("customer.updated", customer)
            return customer

    def create_balance_transaction(
        self, customer_id: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """POST /v1/customers/{id}/balance_transactions: a credit (negative) or a debit."""
        with self.lock:
            customer = self.get(customer_id, "customer")
            amount = int(params.get("amount") or 0)
            customer["balance"] = customer.get("balance", 0) + amount
            return self.add(
                "cbtxn",
                {
                    "object": "customer_balance_transaction",
                    "customer": customer_id,
                    "amount": amount,
                    "currency": params.get("currency", "usd"),
                    "description": params.get("description"),
                    "ending_balance": customer["balance"],
                },
            )

    def create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/refunds for a payment_intent: the whole remaining amount by default."""
        with self.lock:
            intent = params.get("payment_intent")
            charge = next(
                (c for c in self.of_kind("charge") if c["payment_intent"] == intent), None
            )
            if charge is None:
                raise StripeRequestError(
                    404, f"No such payment_intent: '{intent}'", "resource_missing"
                )
            if charge["refunded"]:
                raise StripeRequestError(
                    400,
                    f"Charge {charge['id']} has already been refunded.",
                    "charge_already_refunded",
                )
            left = charge["amount"] - charge["amount_refunded"]
            amount = int(params.get("amount") or left)
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            refund = self.add(
                "re",
                {
                    "object": "refund",
                    "amount": amount,
                    "charge": charge["id"],
                    "payment_intent": intent,
                    "currency": charge["currency"],
                    "status": "succeeded",
                },
            )
            self.event("charge.refunded", charge)
            return refund

    def list_objects(self, kind: str, query: dict[str, str]) -> list[dict[str, Any]]:
        found = self.of_kind(kind)
        for key in ("customer", "invoice"):
            if key in query:
                found = [o for o in found if o.get(key) == query[key]]
        if "subscription" in query and kind == "invoice":
            found = [o for o in found if _invoice_subscription(o) == query["subscription"]]
        if "email" in query:
            found = [o for o in found if o.get("email") == query["email"]]
        if "code" in query:  # customers type codes in any case; Stripe matches them so too
            found = [o for o in found if o.get("code", "").lower() == query["code"].lower()]
        status = query.get("status")
        if kind == "subscription" and status != "all":
            found = [
                o
                for o in found
                if o["status"] == status or (not status and o["status"] != "canceled")
            ]
        elif kind == "checkout.session" and status:
            found = [o for o in found if o["status"] == status]
        return found


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    return ((invoice.get("parent") or {}).get("subscription_details") or {}).get("subscription")


def price_object(price_id: str) -> dict[str, Any]:
    price = PRICES[price_id]
    interval = price["interval"]
    return {
        "object": "price",
        "id": price_id,
        "unit_amount": price["unit_amount"],
        "currency": "usd",
        "type": "recurring" if interval else "one_time",
        "recurring": {"interval": interval, "interval_count": 1} if interval else None,
    }
