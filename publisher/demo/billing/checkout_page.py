"""The demo Checkout page: what is bought, for how much, and a button that charges nothing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request

from publisher.demo.billing.engine import StandInAccount
from publisher.demo.billing.page_kit import (
    check_form,
    day,
    form_token,
    found_or_404,
    plan_words,
    stand_in,
)
from publisher.demo.billing.store import PRICES

bp = Blueprint("demo_checkout", __name__, template_folder="templates")


@bp.get("/c/pay/<session_id>")
def checkout(session_id: str) -> str:
    """The demo Checkout page: what is bought, for whom, and a button that pays nothing."""
    account, secret, _ = stand_in()
    session = found_or_404(account, session_id, "checkout.session")
    customer = account.objects.get(session["customer"] or "") or {}
    fixed_email = customer.get("email") or session["customer_email"]
    plan, price = plan_words(session["_price"])
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

    check_form()
    account, _, deliver = stand_in()
    session = found_or_404(account, session_id, "checkout.session")
    if session["status"] != "open":
        return redirect(_success_url(session), code=303)  # type: ignore[return-value]
    email = request.form.get("email", "")
    if not (session["customer"] or session["customer_email"]):
        try:
            email = normalize_email(email)
        except UserError:
            return redirect(f"{request.path}?error=email", code=303)  # type: ignore[return-value]
    code = request.form.get("promotion_code", "").strip()
    if code and session["allow_promotion_codes"] and not account.usable_promotion_code(code):
        return redirect(f"{request.path}?error=code", code=303)  # type: ignore[return-value]
    deliver(account.pay_checkout(session_id, email, code or None))
    return redirect(_success_url(session), code=303)  # type: ignore[return-value]


def _charged(account: StandInAccount, session: dict[str, Any], trial: int) -> tuple[str, str]:
    """What the buyer pays, in order ("7 days free (until …), then $61.60 / month for the
    first 3 months, then $77 / month"), and what a live Checkout would take today."""
    from auth.offers import charged_words, discounted_cents, money

    price = PRICES[session["_price"]]
    promo = next(
        (account.objects.get(d.get("promotion_code", "")) for d in session["discounts"]), None
    )
    coupon = promo["promotion"]["coupon"] if promo else None
    until = day(account.now() + trial * 86400) if trial else None
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
