"""Redeeming a gift: by code typed or linked, for an address proven by an emailed link (or
at once for a signed-in member), and the printable card the buyer hands over.

Every page here carries a code or a claim link, so each is `no-store` and `no-referrer`
(`gift_html`). Looking a code up is rate limited per client, like signing in.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, redirect, request

from auth.stripe_api import StripeFailure
from publisher.errors import UserError
from publisher.gifts.codes import normalise
from publisher.gifts.models import BOUGHT, REDEEMED, Gift
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
from publisher.services import services_of
from publisher.web.account_cookie import cookie_value, current_member, set_session_cookie
from publisher.web.billing import gateway
from publisher.web.gifts import gift_html, gift_view
from publisher.web.responses import private

bp = Blueprint("gift_redeem", __name__, template_folder="templates")


@bp.get("/gift/redeem")
def redeem_form() -> Response:
    """Type the code by hand (a GET form: looking up changes nothing but the rate count)."""
    typed = request.args.get("code", "")
    if typed:
        code = normalise(typed)
        if code is None:
            error = "That is not a gift code: check it."
            return gift_html("gift_redeem.html", 400, error=error, typed_code=typed)
        return redirect(f"/gift/redeem/{code}", code=303)  # type: ignore[return-value]
    return gift_html("gift_redeem.html")


def _found(code: str) -> tuple[Gift | None, Response | None]:
    services = services_of(current_app)
    with services.db.session() as db:
        secret = services_of(current_app).config.secret_key
        gift, wait = look_up(db, secret, code, request.remote_addr or "", utcnow())
        if gift is not None:
            db.expunge(gift)
    if wait is not None:
        answer = gift_html("gift_redeem.html", 429, error=_too_many(wait))
        answer.headers["Retry-After"] = str(wait)
        return None, answer
    if gift is None or gift.status not in (BOUGHT, REDEEMED):
        return None, gift_html("gift_redeem.html", 404, error="No gift has this code: check it.")
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
    return gift_html("gift_redeem_code.html", gift=gift_view(gift), code=code, member=_signed_in())


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
    view = gift_view(gift)
    if gift.status != BOUGHT:
        return gift_html("gift_redeem_code.html", 409, gift=view, code=code)
    if request.form.get("as_member"):
        return _redeem_signed_in(gift, view, code)
    try:
        address = normalize_email(request.form.get("email", ""))
    except UserError:
        error = "That is not an email address: check it and try again."
        typed = request.form.get("email", "")
        return gift_html(
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
        answer = gift_html("gift_redeem_code.html", 429, gift=view, code=code, error=sentence)
        answer.headers["Retry-After"] = str(seconds)
        return answer
    return gift_html("gift_redeem_code.html", gift=view, code=code, sent_to=address)


def _redeem_signed_in(gift: Gift, view: dict[str, object], code: str) -> Response:
    """Redeem for the signed-in member at once, without a link by email."""
    services = services_of(current_app)
    try:
        with services.db.session() as db:
            member = current_member(db)
            if member is None:
                error = "You are signed out: type your address to get a link instead."
                return gift_html("gift_redeem_code.html", 400, gift=view, code=code, error=error)
            done = redeem_for_member(db, services.config, db.merge(gift), member, utcnow())
    except GiftRefused as exc:
        return gift_html("gift_claim.html", 409, refused=str(exc))
    if done.credit_customer:
        _add_credit(done.credit_customer, done.credit_cents, done.gift_id, done.credit_currency)
    return private(redirect("/account", code=303))  # type: ignore[arg-type]


@bp.get("/gift/claim/<token>")
def claim_form(token: str) -> Response:
    """A button that redeems the gift; opening the emailed link does not use it up."""
    with services_of(current_app).db.session() as db:
        usable = claim_usable(db, token, utcnow()) is not None
    if not usable:
        return gift_html("gift_claim.html", 410, expired=True)
    return gift_html("gift_claim.html", token=token)


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
        return gift_html("gift_claim.html", 409, refused=str(exc))
    if done.credit_customer:
        _add_credit(done.credit_customer, done.credit_cents, done.gift_id, done.credit_currency)
    response = private(redirect("/account", code=303))  # type: ignore[arg-type]
    set_session_cookie(response, session_id)
    return response


def _add_credit(customer: str, cents: int, gift_id: int, currency: str) -> None:
    """After the redemption is committed: the credit at Stripe, once per gift (idempotency
    key). If Stripe cannot be reached the log says so, for the producer to add the credit in
    Stripe's dashboard; the gift stays redeemed."""
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
    return gift_html(
        "gift_card.html", gift=gift_view(gift), code=pretty, redeem_page=f"{base}/gift/redeem"
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
