"""What every page of the demo's Stripe shares: the account, form tokens, dates and prices.

A page's app holds the stand-in's account, the secret its forms are signed with and the
function that delivers what a button caused (`create_pages_app`); these read them back.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, request

from publisher.demo.billing.engine import StandInAccount
from publisher.demo.billing.store import PRICES, StripeRequestError

# What a page's button did, for the caller to deliver and save: the events Stripe would send.
Deliver = Callable[[list[dict[str, Any]]], None]


def demo_clock() -> dict[str, Any]:
    """Every page says when the demo clock is ahead of the real date, and by how much."""
    account, _, _ = stand_in()
    return {
        "clock_days_ahead": account.time_offset // 86400 if account.time_offset > 0 else 0,
        "clock_today": day(account.now()),
    }


def stand_in() -> tuple[StandInAccount, str, Deliver]:
    return current_app.extensions["demo_billing"]


def form_token(secret: str, action: str) -> str:
    """The CSRF token of a form posting to `action`: only these pages can make one."""
    return hmac.new(secret.encode(), action.encode(), hashlib.sha256).hexdigest()


def check_form() -> None:
    _, secret, _ = stand_in()
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, form_token(secret, request.path)):
        abort(400, "This form has expired. Go back, reload the page and try again.")


def day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%-d %B %Y")


def dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def plan_words(price_id: str) -> tuple[str, str]:
    """What is bought and its price as a buyer reads them ("Monthly membership", "$77.00 a
    month")."""
    price = PRICES[price_id]
    interval = price["interval"]
    every = f" a {interval}" if interval else ", once"
    return price["title"], dollars(price["unit_amount"]) + every


def found_or_404(account: StandInAccount, object_id: str, kind: str) -> dict[str, Any]:
    try:
        return account.get(object_id, kind)
    except StripeRequestError:
        abort(404, "This demo page has expired or never existed. Go back and start again.")


def form_fields(secret: str, path: str) -> dict[str, str]:
    return {"action": path, "csrf_token": form_token(secret, path)}
