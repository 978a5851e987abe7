"""A local Stripe API for the tests: the real `stripe` library talks to it over HTTP.

It keeps customers, Checkout Sessions, subscriptions, invoices, charges and disputes in
memory, one account per API key (each test uses its own key, so tests never see each
other's customers), and answers in Stripe's JSON shapes: `object`, `id`, `created`,
`livemode`, lists with `data`/`has_more`/`url`, errors with `error.type`/`error.code`.
Request bodies are form-encoded with nested keys (`metadata[plan]`, `line_items[0][price]`),
as stripe-python sends them, and an `Idempotency-Key` replays the first answer.

What a customer or Stripe's billing engine would do (pay at checkout, a card failing on
renewal, a refund, a dispute) is a test-control method on `FakeStripeAccount`; each one
changes the state and returns the events Stripe would send, for the test to deliver.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PRICES: dict[str, dict[str, Any]] = {
    "price_monthly_77": {"unit_amount": 7700, "interval": "month"},
    "price_yearly_222": {"unit_amount": 22200, "interval": "year"},
    "price_lifetime_333": {"unit_amount": 33300, "interval": None},
}
PRICES_SETTING = "monthly=price_monthly_77,yearly=price_yearly_222,lifetime=price_lifetime_333"
PERIOD_SECONDS = {"month": 30 * 86400, "year": 365 * 86400}
_ids = itertools.count(1)


class StripeRequestError(Exception):
    """Answered as Stripe's error JSON."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}{uuid.uuid4().hex[:10]}"


class FakeStripeAccount:
    """One Stripe account's objects, and the things customers and Stripe do to them."""

    def __init__(self, api_key: str, base_url: str) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.objects: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, idempotency key
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

    def list_objects(self, kind: str, query: dict[str, str]) -> list[dict[str, Any]]:
        found = self.of_kind(kind)
        if "customer" in query:
            found = [o for o in found if o.get("customer") == query["customer"]]
        if "email" in query:
            found = [o for o in found if o.get("email") == query["email"]]
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

    # --- what customers and Stripe's billing engine do (test controls) ------------------

    def pay_checkout(self, session_id: str, email: str) -> list[dict[str, Any]]:
        """The customer pays on the Checkout page: Stripe creates what the session sells."""
        with self.lock:
            session = self.get(session_id, "checkout.session")
            assert session["status"] == "open", "a Checkout Session is paid only once"
            events: list[dict[str, Any]] = []
            if session["customer"] is None:
                customer = self.add("cus", {"object": "customer", "email": email, "name": None})
                session["customer"] = customer["id"]
                events.append(self.event("customer.created", customer))
            customer_email = self.get(session["customer"], "customer")["email"]
            session["customer_details"] = {"email": customer_email}
            session.update(status="complete", payment_status="paid")
            if session["mode"] == "subscription":
                sub_events = self._start_subscription(session)
                events.append(self.event("checkout.session.completed", session))
                events += sub_events
            else:
                charge = self._charge(session["customer"], session["amount_total"])
                session["payment_intent"] = charge["payment_intent"]
                events.append(self.event("checkout.session.completed", session))
                events.append(self.event("charge.succeeded", charge))
            return events

    def _start_subscription(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        price_id = session["_price"]
        start = self.now()
        sub = self.add(
            "sub",
            {
                "object": "subscription",
                "customer": session["customer"],
                "status": "active",
                "cancel_at_period_end": False,
                "canceled_at": None,
                "metadata": session["_subscription_data"].get("metadata") or {},
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "object": "subscription_item",
                            "id": new_id("si"),
                            "price": _price_object(price_id),
                            "quantity": 1,
                            "current_period_start": start,
                            "current_period_end": start
                            + PERIOD_SECONDS[PRICES[price_id]["interval"]],
                        }
                    ],
                    "has_more": False,
                },
            },
        )
        session["subscription"] = sub["id"]
        invoice = self._invoice(sub, paid=True)
        return [
            self.event("customer.subscription.created", sub),
            self.event("invoice.paid", invoice),
        ]

    def _charge(self, customer: str, amount: int) -> dict[str, Any]:
        return self.add(
            "ch",
            {
                "object": "charge",
                "customer": customer,
                "amount": amount,
                "amount_refunded": 0,
                "refunded": False,
                "disputed": False,
                "paid": True,
                "status": "succeeded",
                "payment_intent": new_id("pi"),
                "currency": "usd",
            },
        )

    def _invoice(self, sub: dict[str, Any], paid: bool) -> dict[str, Any]:
        item = sub["items"]["data"][0]
        amount = item["price"]["unit_amount"]
        invoice = self.add(
            "in",
            {
                "object": "invoice",
                "customer": sub["customer"],
                "status": "paid" if paid else "open",
                "amount_due": amount,
                "amount_paid": amount if paid else 0,
                "attempted": True,
                "period_start": item["current_period_start"],
                "period_end": item["current_period_end"],
                "parent": {"subscription_details": {"subscription": sub["id"]}},
            },
        )
        if paid:
            invoice["charge"] = self._charge(sub["customer"], amount)["id"]
        sub["latest_invoice"] = invoice["id"]
        return invoice

    def _new_period(self, sub: dict[str, Any], start: int) -> None:
        item = sub["items"]["data"][0]
        item["current_period_start"] = start
        item["current_period_end"] = start + PERIOD_SECONDS[item["price"]["recurring"]["interval"]]

    def fail_renewal(self, sub_id: str, at: int | None = None) -> list[dict[str, Any]]:
        """The renewal charge fails (at `at`, default now): the subscription goes past_due."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            self._new_period(sub, self.now() if at is None else at)
            sub["status"] = "past_due"
            invoice = self._invoice(sub, paid=False)
            return [
                self.event("invoice.payment_failed", invoice),
                self.event("customer.subscription.updated", sub),
            ]

    def recover(self, sub_id: str) -> list[dict[str, Any]]:
        """The member updates their card and the open invoice is paid: active again."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            invoice = self.get(sub["latest_invoice"], "invoice")
            invoice.update(status="paid", amount_paid=invoice["amount_due"])
            sub["status"] = "active"
            return [
                self.event("invoice.paid", invoice),
                self.event("customer.subscription.updated", sub),
            ]

    def renew(self, sub_id: str) -> list[dict[str, Any]]:
        """A renewal that simply succeeds: a new period, a paid invoice."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            self._new_period(sub, self.now())
            sub["status"] = "active"
            invoice = self._invoice(sub, paid=True)
            return [
                self.event("invoice.paid", invoice),
                self.event("customer.subscription.updated", sub),
            ]

    def cancel_at_period_end(self, sub_id: str) -> list[dict[str, Any]]:
        """The member cancels in the portal: access continues until the period ends."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            sub["cancel_at_period_end"] = True
            return [self.event("customer.subscription.updated", sub)]

    def end_subscription(self, sub_id: str, status: str = "canceled") -> list[dict[str, Any]]:
        """Stripe ends the subscription (period over, retries exhausted, paused)."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            sub["status"] = status
            if status == "canceled":
                sub["canceled_at"] = self.now()
                return [self.event("customer.subscription.deleted", sub)]
            kind = "paused" if status == "paused" else "updated"
            return [self.event(f"customer.subscription.{kind}", sub)]

    def refund(self, charge_id: str, amount: int | None = None) -> list[dict[str, Any]]:
        """Refund all (default) or part of a charge."""
        with self.lock:
            charge = self.get(charge_id, "charge")
            charge["amount_refunded"] += charge["amount"] if amount is None else amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return [self.event("charge.refunded", charge)]

    def dispute(self, charge_id: str) -> list[dict[str, Any]]:
        """The cardholder disputes a charge with their bank."""
        with self.lock:
            charge = self.get(charge_id, "charge")
            charge["disputed"] = True
            dispute = self.add(
                "dp",
                {
                    "object": "dispute",
                    "charge": charge_id,
                    "payment_intent": charge["payment_intent"],
                    "amount": charge["amount"],
                    "status": "needs_response",
                    "reason": "fraudulent",
                },
            )
            return [self.event("charge.dispute.created", dispute)]

    # --- lookups for tests -----------------------------------------------------------------

    def session_subscription(self, session_id: str) -> str:
        return self.get(session_id, "checkout.session")["subscription"]

    def session_charge(self, session_id: str) -> str:
        pi = self.get(session_id, "checkout.session")["payment_intent"]
        return next(c["id"] for c in self.of_kind("charge") if c["payment_intent"] == pi)

    def newest_checkout_session(self) -> dict[str, Any]:
        return self.of_kind("checkout.session")[0]


def _price_object(price_id: str) -> dict[str, Any]:
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


# --- HTTP -----------------------------------------------------------------------------------

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/checkout/sessions$"), "create_checkout"),
    ("GET", re.compile(r"^/v1/checkout/sessions/(?P<id>[^/]+)$"), "checkout.session"),
    ("GET", re.compile(r"^/v1/checkout/sessions$"), "list:checkout.session"),
    ("POST", re.compile(r"^/v1/billing_portal/sessions$"), "create_portal"),
    ("GET", re.compile(r"^/v1/customers/(?P<id>[^/]+)$"), "customer"),
    ("GET", re.compile(r"^/v1/customers$"), "list:customer"),
    ("GET", re.compile(r"^/v1/subscriptions/(?P<id>[^/]+)$"), "subscription"),
    ("GET", re.compile(r"^/v1/subscriptions$"), "list:subscription"),
    ("GET", re.compile(r"^/v1/charges/(?P<id>[^/]+)$"), "charge"),
    ("GET", re.compile(r"^/v1/charges$"), "list:charge"),
]


class FakeStripe:
    """The WSGI app: routes requests to the account named by the API key."""

    def __init__(self) -> None:
        self.accounts: dict[str, FakeStripeAccount] = {}
        self.base_url = ""

    def new_account(self) -> FakeStripeAccount:
        account = FakeStripeAccount(f"sk_test_{uuid.uuid4().hex}", self.base_url)
        self.accounts[account.api_key] = account
        return account

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            account = self._account(request)
            status, body = self._dispatch(account, request)
        except StripeRequestError as exc:
            kind = "api_error" if exc.status >= 500 else "invalid_request_error"
            error = {"type": kind, "message": exc.message}
            if exc.code:
                error["code"] = exc.code
            status, body = exc.status, {"error": error}
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Request-Id"] = new_id("req")
        return response(environ, start_response)

    def _account(self, request: Request) -> FakeStripeAccount:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if key not in self.accounts:
            raise StripeRequestError(401, "Invalid API Key provided")
        return self.accounts[key]

    def _dispatch(self, account: FakeStripeAccount, request: Request) -> tuple[int, dict[str, Any]]:
        key = request.headers.get("Idempotency-Key")
        account.requests.append((request.method, request.path, key))
        if account.outage:
            raise StripeRequestError(500, "the fake Stripe API is having an outage")
        with account.lock:
            if key and (request.method, request.path, key) in account.idempotent:
                return account.idempotent[(request.method, request.path, key)]
            status, body = 200, self._handle(account, request)
            if key:
                account.idempotent[(request.method, request.path, key)] = (status, body)
        return status, body

    def _handle(self, account: FakeStripeAccount, request: Request) -> dict[str, Any]:
        for method, pattern, action in _ROUTES:
            match = pattern.match(request.path)
            if method != request.method or match is None:
                continue
            if action == "create_checkout":
                return public(
                    account.create_checkout_session(decode_form(request.get_data(as_text=True)))
                )
            if action == "create_portal":
                return public(
                    account.create_portal_session(decode_form(request.get_data(as_text=True)))
                )
            if action.startswith("list:"):
                return _page(request, account.list_objects(action[5:], dict(request.args)))
            return public(account.get(match["id"], action))
        raise StripeRequestError(
            404, f"Unrecognized request URL ({request.method}: {request.path})"
        )


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without the fake's private bookkeeping (keys starting with `_`)."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def _page(request: Request, found: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of a list, cut by `starting_after` and `limit` as Stripe does."""
    limit = min(int(request.args.get("limit", 10)), 100)
    after = request.args.get("starting_after")
    if after:
        ids = [o["id"] for o in found]
        found = found[ids.index(after) + 1 :] if after in ids else []
    return {
        "object": "list",
        "url": request.path,
        "has_more": len(found) > limit,
        "data": [public(o) for o in found[:limit]],
    }


def decode_form(body: str) -> dict[str, Any]:
    """`a[b][0][c]=x` form fields into nested dicts and lists, as Stripe reads them."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


@pytest.fixture(scope="session", name="fake_stripe_server")
def fake_stripe_server_fixture() -> Iterator[FakeStripe]:
    """The fake Stripe API on a free loopback port, one per test process."""
    fake = FakeStripe()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(name="stripe_account")
def stripe_account_fixture(fake_stripe_server: FakeStripe) -> FakeStripeAccount:
    """A fresh, empty Stripe account of this test's own (its own API key)."""
    return fake_stripe_server.new_account()
