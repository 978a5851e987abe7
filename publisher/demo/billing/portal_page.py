"""The demo Customer Portal: a customer's memberships, cancelling, and the demo clock."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template

from publisher.demo.billing.engine import StandInAccount
from publisher.demo.billing.page_kit import (
    check_form,
    day,
    dollars,
    form_fields,
    found_or_404,
    plan_words,
    stand_in,
)

bp = Blueprint("demo_portal", __name__, template_folder="templates")


@bp.get("/p/session/<portal_id>")
def portal(portal_id: str) -> str:
    """The demo Customer Portal: the customer's memberships, with cancel and the demo clock."""
    account, secret, _ = stand_in()
    portal_session = _portal_session(account, portal_id)
    customer = account.get(portal_session["customer"], "customer")
    subscriptions = [
        _subscription_view(account, s, portal_id, secret)
        for s in account.of_kind("subscription")
        if s["customer"] == customer["id"]
    ]
    payments = [
        {"date": day(c["created"]), "amount": dollars(c["amount"]), "refunded": c["refunded"]}
        for c in account.of_kind("charge")
        if c["customer"] == customer["id"] and c["paid"]
    ]
    return render_template(
        "demo_portal.html",
        email=customer.get("email", ""),
        subscriptions=subscriptions,
        payments=payments,
        return_url=portal_session["return_url"],
        today=day(account.now()),
        clock_moved=account.time_offset > 0,
        clock_reset=form_fields(secret, f"/p/session/{portal_id}/clock-reset"),
    )


@bp.post("/p/session/<portal_id>/clock-reset")
def reset_clock(portal_id: str) -> Response:
    """Set the demo clock back to the real date; memberships keep the dates they have."""
    check_form()
    account, _, _ = stand_in()
    _portal_session(account, portal_id)
    with account.lock:
        account.time_offset = 0
    return redirect(f"/p/session/{portal_id}", code=303)  # type: ignore[return-value]


@bp.get("/p/session/<portal_id>/<sub_id>/cancel")
def confirm_cancel(portal_id: str, sub_id: str) -> str:
    """Ask before cancelling, as Stripe's portal does: what ends, when, and what is charged."""
    account, secret, _ = stand_in()
    customer = _portal_session(account, portal_id)["customer"]
    subscription = found_or_404(account, sub_id, "subscription")
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
    check_form()
    account, _, deliver = stand_in()
    customer = _portal_session(account, portal_id)["customer"]
    subscription = found_or_404(account, sub_id, "subscription")
    if subscription["customer"] != customer or action not in ACTIONS:
        abort(404, "This demo page has expired or never existed. Go back and start again.")
    deliver(ACTIONS[action](account, sub_id))
    return redirect(f"/p/session/{portal_id}", code=303)  # type: ignore[return-value]


def _portal_session(account: StandInAccount, portal_id: str) -> dict[str, Any]:
    for found in account.of_kind("billing_portal.session"):
        if found["url"].rsplit("/", 1)[-1] == portal_id:
            return found
    abort(404, "This billing page has expired. Open Manage billing from your account again.")


def _subscription_view(
    account: StandInAccount, sub: dict[str, Any], portal_id: str, secret: str
) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    plan, price = plan_words(item["price"]["id"])
    running = sub["status"] in ("active", "trialing", "past_due")
    forms = {
        action: form_fields(secret, f"/p/session/{portal_id}/{sub['id']}/{action}")
        for action in ACTIONS
    }
    return {
        "plan": plan,
        "price": price,
        "running": running,
        "cancelling": running and sub["cancel_at_period_end"],
        "status": _STATUS_WORDS.get(sub["status"], "Ended"),
        "period_end": day(item["current_period_end"]),
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
