"""Gift pages: choose and pay for a gift, then redeem it by code and a confirmed address.

Thin views over `publisher.gifts`. Pages whose URL carries a code or a claim link are
`no-store` and `no-referrer`, like every page carrying a secret. The buyer's return from
Checkout records the payment as the webhook would, so it works before the webhook; it never
shows the code (a Checkout Session id in a URL proves nothing): the code goes to the buyer
by email, and to the recipient on the chosen day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request

from auth.stripe_api import StripeFailure
from publisher.app import services_of
from publisher.billing.checkouts import provision_checkout
from publisher.billing.reads import read_for_checkout
from publisher.errors import UserError
from publisher.gifts.codes import normalise
from publisher.gifts.models import BOUGHT, REDEEMED, Gift
from publisher.gifts.plans import GIFT_BY_SLUG, GIFT_PLANS, GiftPlan
from publisher.gifts.purchase import read_gift_form, start_gift
from publisher.gifts.redeem import (
    ClaimsUsedUp,
    GiftRefused,
    claim_usable,
    look_up,
    redeem,
    redeem_for_member,
    request_claim,
)
from publisher.members.members import normalize_email
from publisher.models import utcnow
from publisher.web.account_cookie import cookie_value, current_member, set_session_cookie
from publisher.web.billing import SESSION_ID, Refusal, gateway, private, show_title
from publisher.web.throttle import stripe_throttle

bp = Blueprint("gifts", __name__, template_folder="templates")


def _html(template: str, status: int = 200, **values: object) -> Response:
    html = render_template(template, show_title=show_title(), **values)
    return private(Response(html, status=status, mimetype="text/html"))


def _on_sale() -> list[GiftPlan]:
    from publisher.billing.refresh import billing_unavailable

    config = services_of(current_app).config
    if billing_unavailable(config) is not None:
        return []
    return [p for p in GIFT_PLANS if config.stripe_prices.get(p.price_key)]


@bp.get("/gift")
def gift_plans(error: str | None = None, chosen: str | None = None, status: int = 200) -> Response:
    """Each gift on sale with its form: who it is for, when it arrives, a message."""
    today = datetime.now(UTC).date()
    return _html(
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
    return cast(Response, redirect(url, code=303))


@bp.get("/gift/thanks")
def thanks() -> Response:
    """The buyer's return: the payment recorded (as the webhook would), what happens next."""
    session_id = request.args.get("session_id", "")
    services = services_of(current_app)
    gift = None
    if SESSION_ID.match(session_id):
        throttled = stripe_throttle()
        if throttled is not None:
            return private(throttled)
        try:
            checkout = gateway().checkout_session(session_id)
        except StripeFailure:
            checkout = None
        if checkout is not None and checkout.gift_id is not None:
            reads = read_for_checkout(services.db, gateway(), checkout)
            with services.db.session() as db:
                provision_checkout(db, reads, services.config, checkout)
                bought = db.get(Gift, int(checkout.gift_id))
                gift = (
                    _summary(bought) if bought is not None and bought.status != "pending" else None
                )
    return _html("gift_thanks.html", gift=gift)


def _summary(gift: Gift) -> dict[str, object]:
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


@bp.get("/gift/redeem")
def redeem_form() -> Response:
    """Type the code by hand (a GET form: looking up changes nothing but the rate count)."""
    typed = request.args.get("code", "")
    if typed:
        code = normalise(typed)
        if code is None:
            error = "That is not a gift code: check it."
            return _html("gift_redeem.html", 400, error=error, typed_code=typed)
        return cast(Response, redirect(f"/gift/redeem/{code}", code=303))
    return _html("gift_redeem.html")


def _found(code: str) -> tuple[Gift | None, Response | None]:
    services = services_of(current_app)
    with services.db.session() as db:
        secret = services_of(current_app).config.secret_key
        gift, wait = look_up(db, secret, code, request.remote_addr or "", utcnow())
        if gift is not None:
            db.expunge(gift)
    if wait is not None:
        answer = _html("gift_redeem.html", 429, error=_too_many(wait))
        answer.headers["Retry-After"] = str(wait)
        return None, answer
    if gift is None or gift.status not in (BOUGHT, REDEEMED):
        return None, _html("gift_redeem.html", 404, error="No gift has this code: check it.")
    return gift, None


def _too_many(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"Too many tries: wait {minutes} minute{'s' * (minutes != 1)} and try again."


@bp.get("/gift/redeem/<code>")
def gift_page(code: str) -> Response:
    """The gift, and a form to confirm the address it will belong to."""
    gift, refused = _found(code)
    if refused is not None:
        return refused
    assert gift is not None
    return _html("gift_redeem_code.html", gift=_summary(gift), code=code, member=_signed_in())


def _signed_in() -> str | None:
    """The signed-in member's address: proven already, so the gift redeems in one press."""
    with services_of(current_app).db.session() as db:
        member = current_member(db)
        return member.email if member is not None else None


@bp.post("/gift/redeem/<code>")
def ask_to_redeem(code: str) -> Response:
    """Email the typed address a link that redeems the gift for it."""
    gift, refused = _found(code)
    if refused is not None:
        return refused
    assert gift is not None
    view = _summary(gift)
    if gift.status != BOUGHT:
        return _html("gift_redeem_code.html", 409, gift=view, code=code)
    if request.form.get("as_member"):
        return _redeem_signed_in(gift, view, code)
    try:
        address = normalize_email(request.form.get("email", ""))
    except UserError:
        error = "That is not an email address: check it and try again."
        typed = request.form.get("email", "")
        return _html(
            "gift_redeem_code.html", 400, gift=view, code=code, error=error, typed_email=typed
        )
    services = services_of(current_app)
    with services.db.session() as db:
        wait = request_claim(
            db, services.config, gift, address, request.remote_addr or "", utcnow()
        )
    if wait is not None:
        sentence = wait.sentence if isinstance(wait, ClaimsUsedUp) else _too_many(wait)
        seconds = wait.wait if isinstance(wait, ClaimsUsedUp) else wait
        answer = _html("gift_redeem_code.html", 429, gift=view, code=code, error=sentence)
        answer.headers["Retry-After"] = str(seconds)
        return answer
    return _html("gift_redeem_code.html", gift=view, code=code, sent_to=address)


def _redeem_signed_in(gift: Gift, view: dict[str, object], code: str) -> Response:
    """Redeem for the signed-in member at once, without a link by email."""
    services = services_of(current_app)
    try:
        with services.db.session() as db:
            member = current_member(db)
            if member is None:
                error = "You are signed out: type your address to get a link instead."
                return _html("gift_redeem_code.html", 400, gift=view, code=code, error=error)
            done = redeem_for_member(db, services.config, db.merge(gift), member, utcnow())
    except GiftRefused as exc:
        return _html("gift_claim.html", 409, refused=str(exc))
    if done.credit_customer:
        _add_credit(done.credit_customer, done.credit_cents, done.gift_id, done.credit_currency)
    return private(cast(Response, redirect("/account", code=303)))


@bp.get("/gift/claim/<token>")
def claim_form(token: str) -> Response:
    """A button that redeems the gift; opening the emailed link does not use it up."""
    with services_of(current_app).db.session() as db:
        usable = claim_usable(db, token, utcnow()) is not None
    if not usable:
        return _html("gift_claim.html", 410, expired=True)
    return _html("gift_claim.html", token=token)


@bp.post("/gift/claim/<token>")
def claim(token: str) -> Response:
    """Redeem once, sign the new holder in, and show their account."""
    from publisher.accounts.sessions import end_session, start_session

    services = services_of(current_app)
    now = utcnow()
    try:
        with services.db.session() as db:
            done = redeem(db, services.config, token, now)
            end_session(db, cookie_value())
            session_id = start_session(db, done.member_id, now)
    except GiftRefused as exc:
        return _html("gift_claim.html", 409, refused=str(exc))
    if done.credit_customer:
        _add_credit(done.credit_customer, done.credit_cents, done.gift_id, done.credit_currency)
    response = private(cast(Response, redirect("/account", code=303)))
    set_session_cookie(response, session_id)
    return response


def _add_credit(customer: str, cents: int, gift_id: int, currency: str) -> None:
    """After the redemption is committed: the credit at Stripe, once per gift (idempotency
    key). If Stripe cannot be reached the log says so, for the producer to add the credit in
    Stripe's dashboard; the gift stays redeemed."""
    import logging

    try:
        gateway().credit_customer(customer, cents, gift_id, currency)
    except StripeFailure as exc:
        logging.getLogger(__name__).warning("gift %s: credit not added yet: %s", gift_id, exc)


@bp.get("/gift/card/<code>")
def card(code: str) -> Response:
    """A printable card for the buyer to hand over: the gift, the code, where to redeem."""
    gift, refused = _found(code)
    if refused is not None:
        return refused
    assert gift is not None
    base = services_of(current_app).config.base_url
    raw = normalise(code) or ""
    pretty = "GIFT-" + "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return _html(
        "gift_card.html", gift=_summary(gift), code=pretty, redeem_page=f"{base}/gift/redeem"
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
