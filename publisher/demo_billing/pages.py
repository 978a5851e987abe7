"""The pages Stripe hosts, as the demo's: Checkout and the Customer Portal.

Each page says plainly that it is a demo and charges nothing. What a button does is the
billing engine's own method (`engine.StandInAccount`), and the events it returns are
delivered to the service's webhook before the browser moves on, so the service sees what
Stripe would have sent. Forms carry a `csrf_token` bound to their own action.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException

from publisher.demo_billing.engine import StandInAccount
from publisher.demo_billing.store import PRICES, StripeRequestError

bp = Blueprint("demo_billing", __name__, template_folder="templates")
# What a page's button did, for the caller to deliver and save: the events Stripe would send.
Deliver = Callable[[list[dict[str, Any]]], None]


def create_pages_app(account: StandInAccount, secret: str, deliver: Deliver) -> Flask:
    """The demo's hosted pages for `account`; `deliver` sends (and saves) what they cause."""
    app = Flask(__name__, static_folder=None)
    app.extensions["demo_billing"] = (account, secret, deliver)
    app.register_blueprint(bp)
    app.after_request(_headers)
    app.context_processor(_demo_clock)
    for status in (400, 404, 405):
        app.register_error_handler(status, _error_page)
    return app


def _error_page(error: HTTPException) -> tuple[str, int]:
    """A refused form or an unknown page, said in a sentence on a page like the others."""
    sentence = error.description if error.code in (400, 404) else "This page does not do that."
    return render_template("demo_error.html", sentence=sentence), error.code or 400


def _headers(response: Response) -> Response:
    """The headers Stripe's pages send too: no framing, no sniffing, no Referer to others."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _demo_clock() -> dict[str, Any]:
    """Every page says when the demo clock is ahead of the real date, and by how much."""
    account, _, _ = _account()
    return {
        "clock_days_ahead": account.time_offset // 86400 if account.time_offset > 0 else 0,
        "clock_today": _date(account.now()),
    }


def _account() -> tuple[StandInAccount, str, Deliver]:
    return current_app.extensions["demo_billing"]


def form_token(secret: str, action: str) -> str:
    """The CSRF token of a form posting to `action`: only these pages can make one."""
    return hmac.new(secret.encode(), action.encode(), hashlib.sha256).hexdigest()


def _check_form() -> None:
    _, secret, _ = _account()
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, form_token(secret, request.path)):
        abort(400, "This form has expired. Go back, reload the page and try again.")


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%-d %B %Y")


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _plan_words(price_id: str) -> tuple[str, str]:
    """What is bought and its price as a buyer reads them ("Monthly membership", "$77.00 a
    month")."""
    price = PRICES[price_id]
    interval = price["interval"]
    every = f" a {interval}" if interval else ", once"
    return price["title"], _money(price["unit_amount"]) + every


@bp.get("/c/pay/<session_id>")
def checkout(session_id: str) -> str:
    """The demo Checkout page: what is bought, for whom, and a button that pays nothing."""
    account, secret, _ = _account()
    session = _found(account, session_id, "checkout.session")
    customer = account.objects.get(session["customer"] or "") or {}
    fixed_email = customer.get("email") or session["customer_email"]
    plan, price = _plan_words(session["_price"])
    trial = int(session["_subscription_data"].get("trial_period_days") or 0)
    charged, today = _charged(account, session, trial)
    return render_template(
        "demo_checkout.html",
        session=session,
        plan=plan,
        price=price,
        charged=charged,
        today=today,
        trial_days=trial,
        discount=_discount_words(account, session),
        fixed_email=fixed_email,
        error=request.args.get("error"),
        csrf_token=form_token(secret, request.path),
        success_url=_success_url(session),
    )


@bp.post("/c/pay/<session_id>")
def pay(session_id: str) -> Response:
    """Pay (demo): complete the session as Stripe would, deliver its events, go to the
    success URL."""
    from publisher.errors import UserError
    from publisher.members.members import normalize_email

    _check_form()
    account, _, deliver = _account()
    session = _found(account, session_id, "checkout.session")
    if session["status"] != "open":
        return cast(Response, redirect(_success_url(session), code=303))
    email = request.form.get("email", "")
    if not (session["customer"] or session["customer_email"]):
        try:
            email = normalize_email(email)
        except UserError:
            return cast(Response, redirect(f"{request.path}?error=email", code=303))
    code = request.form.get("promotion_code", "").strip()
    if code and session["allow_promotion_codes"] and not account.usable_promotion_code(code):
        return cast(Response, redirect(f"{request.path}?error=code", code=303))
    deliver(account.pay_checkout(session_id, email, code or None))
    return cast(Response, redirect(_success_url(session), code=303))


def _charged(account: StandInAccount, session: dict[str, Any], trial: int) -> tuple[str, str]:
    """What the buyer pays, in order ("7 days free (until …), then $61.60 / month for the
    first 3 months, then $77 / month"), and what a live Checkout would take today."""
    from auth.offers import charged_words, discounted_cents, money

    price = PRICES[session["_price"]]
    promo = next(
        (account.objects.get(d.get("promotion_code", "")) for d in session["discounts"]), None
    )
    coupon = promo["promotion"]["coupon"] if promo else None
    until = _date(account.now() + trial * 86400) if trial else None
    cents = int(price["unit_amount"])
    words = charged_words(cents, price["interval"], coupon, trial or None, until)
    today = 0 if trial else (discounted_cents(cents, coupon) if coupon else cents)
    return words, money(today) if today else "nothing"


def _discount_words(account: StandInAccount, session: dict[str, Any]) -> str | None:
    """The pre-applied code as the buyer reads it ("LAUNCH: 20% off for 3 months")."""
    from auth.offers import discount_words

    for discount in session["discounts"]:
        promo = account.objects.get(discount.get("promotion_code", ""))
        if promo is not None:
            return f"{promo['code']}: {discount_words(promo['promotion']['coupon'])}"
    return None


def _success_url(session: dict[str, Any]) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _found(account: StandInAccount, object_id: str, kind: str) -> dict[str, Any]:
    try:
        return account.get(object_id, kind)
    except StripeRequestError:
        abort(404, "This demo page has expired or never existed. Go back and start again.")


@bp.get("/p/session/<portal_id>")
def portal(portal_id: str) -> str:
    """The demo Customer Portal: the customer's memberships, with cancel and the demo clock."""
    account, secret, _ = _account()
    portal_session = _portal_session(account, portal_id)
    customer = account.get(portal_session["customer"], "customer")
    subscriptions = [
        _subscription_view(account, s, portal_id, secret)
        for s in account.of_kind("subscription")
        if s["customer"] == customer["id"]
    ]
    payments = [
        {"date": _date(c["created"]), "amount": _money(c["amount"]), "refunded": c["refunded"]}
        for c in account.of_kind("charge")
        if c["customer"] == customer["id"] and c["paid"]
    ]
    return render_template(
        "demo_portal.html",
        email=customer.get("email", ""),
        subscriptions=subscriptions,
        payments=payments,
        return_url=portal_session["return_url"],
        today=_date(account.now()),
        clock_moved=account.time_offset > 0,
        clock_reset=_form(secret, f"/p/session/{portal_id}/clock-reset"),
    )


def _form(secret: str, path: str) -> dict[str, str]:
    return {"action": path, "csrf_token": form_token(secret, path)}


@bp.post("/p/session/<portal_id>/clock-reset")
def reset_clock(portal_id: str) -> Response:
    """Set the demo clock back to the real date; memberships keep the dates they have."""
    _check_form()
    account, _, _ = _account()
    _portal_session(account, portal_id)
    with account.lock:
        account.time_offset = 0
    return cast(Response, redirect(f"/p/session/{portal_id}", code=303))


@bp.get("/p/session/<portal_id>/<sub_id>/cancel")
def confirm_cancel(portal_id: str, sub_id: str) -> str:
    """Ask before cancelling, as Stripe's portal does: what ends, when, and what is charged."""
    account, secret, _ = _account()
    customer = _portal_session(account, portal_id)["customer"]
    subscription = _found(account, sub_id, "subscription")
    if subscription["customer"] != customer:
        abort(404, "This demo page has expired or never existed. Go back and start again.")
    view = _subscription_view(account, subscription, portal_id, secret)
    return render_template("demo_cancel.html", sub=view, back=f"/p/session/{portal_id}")


ACTIONS = {
    "cancel": StandInAccount.cancel_at_period_end,
    "keep": StandInAccount.keep_subscription,
    "end-period": StandInAccount.end_period_now,
}


@bp.post("/p/session/<portal_id>/<sub_id>/<action>")
def change(portal_id: str, sub_id: str, action: str) -> Response:
    """Cancel at the period's end, take that back, or move the demo clock past the period."""
    _check_form()
    account, _, deliver = _account()
    customer = _portal_session(account, portal_id)["customer"]
    subscription = _found(account, sub_id, "subscription")
    if subscription["customer"] != customer or action not in ACTIONS:
        abort(404, "This demo page has expired or never existed. Go back and start again.")
    deliver(ACTIONS[action](account, sub_id))
    return cast(Response, redirect(f"/p/session/{portal_id}", code=303))


def _portal_session(account: StandInAccount, portal_id: str) -> dict[str, Any]:
    for found in account.of_kind("billing_portal.session"):
        if found["url"].rsplit("/", 1)[-1] == portal_id:
            return found
    abort(404, "This billing page has expired. Open Manage billing from your account again.")


def _subscription_view(
    account: StandInAccount, sub: dict[str, Any], portal_id: str, secret: str
) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    plan, price = _plan_words(item["price"]["id"])
    running = sub["status"] in ("active", "trialing", "past_due")
    forms = {
        action: _form(secret, f"/p/session/{portal_id}/{sub['id']}/{action}") for action in ACTIONS
    }
    return {
        "plan": plan,
        "price": price,
        "running": running,
        "cancelling": running and sub["cancel_at_period_end"],
        "status": _STATUS_WORDS.get(sub["status"], "Ended"),
        "period_end": _date(item["current_period_end"]),
        "forms": forms,
    }


_STATUS_WORDS = {
    "active": "Active",
    "trialing": "Free trial",
    "past_due": "Payment problem",
    "canceled": "Ended",
    "unpaid": "Ended: unpaid",
    "paused": "Paused",
}
