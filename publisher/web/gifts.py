"""Gift pages: choose and pay for a gift (redeeming it is `publisher.web.gift_redeem`).

Thin views over `publisher.gifts`. Pages whose URL carries a code or a claim link are
`no-store` and `no-referrer`, like every page carrying a secret. The buyer's return from
Checkout records the payment as the webhook would, so it works before the webhook; it never
shows the code (a Checkout Session id in a URL proves nothing): the code goes to the buyer
by email, and to the recipient on the chosen day.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request

from auth.stripe_api import StripeFailure
from publisher.billing.answers import StripeAnswers
from publisher.billing.checkouts import provision_checkout
from publisher.errors import UserError
from publisher.gifts.models import Gift
from publisher.gifts.plans import GIFT_BY_SLUG, GIFT_PLANS, GiftPlan
from publisher.gifts.purchase import read_gift_form, start_gift
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web.billing import SESSION_ID, gateway
from publisher.web.responses import Refusal, private
from publisher.web.show_header import show_title
from publisher.web.throttle import stripe_throttle

bp = Blueprint("gifts", __name__, template_folder="templates")


def gift_html(template: str, status: int = 200, **values: object) -> Response:
    """A gift page: private, since its URL or its body may carry a code or a claim link."""
    html = render_template(template, show_title=show_title(), **values)
    return private(Response(html, status=status, mimetype="text/html"))


def _on_sale() -> list[GiftPlan]:
    from publisher.billing.gateway import billing_unavailable

    config = services_of(current_app).config
    if billing_unavailable(config) is not None:
        return []
    return [p for p in GIFT_PLANS if config.stripe_prices.get(p.price_key)]


@bp.get("/gift")
def gift_plans(error: str | None = None, chosen: str | None = None, status: int = 200) -> Response:
    """Each gift on sale with its form: who it is for, when it arrives, a message."""
    today = datetime.now(UTC).date()
    return gift_html(
        "gift_plans.html",
        status,
        plans=_on_sale(),
        today=today.isoformat(),
        error=error,
        chosen=chosen,
        form=request.form,
    )


@bp.post("/gift/<plan>")
def buy_gift(plan: str) -> Response:
    """Keep the gift's details here and send the buyer to a one-time Checkout (303)."""
    chosen = GIFT_BY_SLUG.get(plan)
    if chosen is None or chosen not in _on_sale():
        return Refusal(
            404,
            "No such gift",
            "That gift is not on sale: choose one on the gifts page.",
            f"no gift {plan!r} on sale here",
            (("/gift", "See the gifts"),),
        ).response()
    throttled = stripe_throttle()
    if throttled is not None:
        return throttled
    services = services_of(current_app)
    now = utcnow()
    try:
        form = read_gift_form(dict(request.form), now.date())
    except UserError as exc:
        return gift_plans(error=str(exc), chosen=plan, status=400)
    with services.db.session() as db:
        gift_id = start_gift(db, chosen, form, now).id
    base = services.config.base_url
    try:
        url = gateway().create_gift_checkout(
            plan,
            services.config.stripe_prices[chosen.price_key],
            gift_id,
            success_url=f"{base}/gift/thanks?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{base}/gift",
        )
    except StripeFailure as exc:
        return Refusal(
            502,
            "Payment could not start",
            "The payment page could not be opened just now. Nothing was charged: please try "
            "again in a minute.",
            f"could not start the checkout, please try again: {exc}",
            (("/gift", "Back to the gifts"),),
        ).response()
    return redirect(url, code=303)  # type: ignore[return-value]


@bp.get("/gift/thanks")
def thanks() -> Response:
    """The buyer's return: the payment recorded (as the webhook would), what happens next."""
    session_id = request.args.get("session_id", "")
    services = services_of(current_app)
    gift: dict[str, object] | None = None
    if SESSION_ID.match(session_id):
        throttled = stripe_throttle()
        if throttled is not None:
            return private(throttled)
        try:
            checkout = gateway().checkout_session(session_id)
        except StripeFailure:
            checkout = None
        if checkout is not None and checkout.gift_id is not None:
            with services.db.session() as db:  # a gift's checkout asks Stripe nothing more
                provision_checkout(db, StripeAnswers(checkout), services.config, checkout)
                bought = db.get(Gift, int(checkout.gift_id))
                if bought is not None and bought.status != "pending":
                    gift = gift_view(bought)
    return gift_html("gift_thanks.html", gift=gift)


def gift_view(gift: Gift) -> dict[str, object]:
    """What the thanks, redeem and card pages show of a gift."""
    plan = GIFT_BY_SLUG[gift.plan]
    return {
        "plan": plan,
        "words": plan.gift_words(show_title()),
        "giver_name": gift.giver_name,
        "recipient_name": gift.recipient_name,
        "recipient_email": gift.recipient_email,
        "deliver_on": gift.deliver_on,
        "message": gift.message,
        "status": gift.status,
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
