"""Stripe's API over HTTP, answered from stand-in accounts: the real `stripe` library talks to it.

It keeps customers, Checkout Sessions, subscriptions, invoices, charges and disputes in
memory, one account per API key, and answers in Stripe's JSON shapes: `object`, `id`,
`created`, `livemode`, lists with `data`/`has_more`/`url`, errors with `error.type`/
`error.code`. Request bodies are form-encoded with nested keys (`metadata[plan]`,
`line_items[0][price]`), as stripe-python sends them, and an `Idempotency-Key` replays the
first answer. The tests serve it with one account per test; the demo billing with one.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from publisher.demo.billing.engine import StandInAccount
from publisher.demo.billing.store import SentRequest, StripeRefusal, StripeRequestError, new_id

# --- HTTP -----------------------------------------------------------------------------------

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/checkout/sessions$"), "create_checkout"),
    ("GET", re.compile(r"^/v1/checkout/sessions/(?P<id>[^/]+)$"), "checkout.session"),
    ("GET", re.compile(r"^/v1/checkout/sessions$"), "list:checkout.session"),
    ("POST", re.compile(r"^/v1/billing_portal/sessions$"), "create_portal"),
    ("GET", re.compile(r"^/v1/customers/(?P<id>[^/]+)$"), "customer"),
    ("POST", re.compile(r"^/v1/customers/(?P<id>[^/]+)$"), "update_customer"),
    (
        "POST",
        re.compile(r"^/v1/customers/(?P<id>[^/]+)/balance_transactions$"),
        "create_balance_transaction",
    ),
    ("GET", re.compile(r"^/v1/customers$"), "list:customer"),
    ("GET", re.compile(r"^/v1/subscriptions/(?P<id>[^/]+)$"), "subscription"),
    ("DELETE", re.compile(r"^/v1/subscriptions/(?P<id>[^/]+)$"), "cancel_subscription"),
    ("POST", re.compile(r"^/v1/refunds$"), "create_refund"),
    ("GET", re.compile(r"^/v1/invoices$"), "list:invoice"),
    ("GET", re.compile(r"^/v1/invoice_payments$"), "list:invoice_payment"),
    ("GET", re.compile(r"^/v1/subscriptions$"), "list:subscription"),
    ("GET", re.compile(r"^/v1/charges/(?P<id>[^/]+)$"), "charge"),
    ("GET", re.compile(r"^/v1/charges$"), "list:charge"),
    ("GET", re.compile(r"^/v1/promotion_codes$"), "list:promotion_code"),
]


class StripeApi:
    """The WSGI app of Stripe's API: routes requests to the account named by the API key."""

    def __init__(self) -> None:
        self.accounts: dict[str, StandInAccount] = {}
        self.base_url = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        final = False
        try:
            account = self._account(request)
            status, body = self._dispatch(account, request)
        except StripeRequestError as exc:
            kind = "api_error" if exc.status >= 500 else "invalid_request_error"
            error = {"type": kind, "message": exc.message}
            if exc.code:
                error["code"] = exc.code
            status, body = exc.status, {"error": error}
            final = isinstance(exc, StripeRefusal)
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Request-Id"] = new_id("req")
        if final:
            # Stripe's word that a retry would get the same answer: stripe-python does not retry.
            response.headers["Stripe-Should-Retry"] = "false"
        return response(environ, start_response)

    def _account(self, request: Request) -> StandInAccount:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if key not in self.accounts:
            raise StripeRequestError(401, "Invalid API Key provided")
        return self.accounts[key]

    def _dispatch(self, account: StandInAccount, request: Request) -> tuple[int, dict[str, Any]]:
        key = request.headers.get("Idempotency-Key")
        account.requests.append((request.method, request.path, key))
        account.sent.append(SentRequest(request.method, request.path, key, _params(request)))
        if account.outage:
            raise StripeRequestError(500, "the Stripe stand-in is having an outage")
        refusal = account.refusals.get((request.method, request.path))
        if refusal is not None:
            raise refusal
        with account.lock:
            if key and (request.method, request.path, key) in account.idempotent:
                return account.idempotent[(request.method, request.path, key)]
            status, body = 200, self._handle(account, request)
            if key:
                account.idempotent[(request.method, request.path, key)] = (status, body)
        return status, body

    def _handle(self, account: StandInAccount, request: Request) -> dict[str, Any]:
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
            if action == "update_customer":
                params = decode_form(request.get_data(as_text=True))
                return public(account.update_customer(match["id"], params))
            if action == "create_balance_transaction":
                params = decode_form(request.get_data(as_text=True))
                return public(account.create_balance_transaction(match["id"], params))
            if action == "create_refund":
                return public(account.create_refund(decode_form(request.get_data(as_text=True))))
            if action == "cancel_subscription":
                return public(account.cancel_subscription(match["id"]))
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


def _params(request: Request) -> dict[str, Any]:
    """What the request asked with: its form body (POST) or its query string."""
    if request.method == "POST":
        return decode_form(request.get_data(as_text=True))
    return dict(request.args)


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
