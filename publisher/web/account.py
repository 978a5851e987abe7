"""The member's account page and its forms: new links, billing portal, sign-out.

Everything here needs a signed-in browser (`publisher.web.account_cookie`); without one,
pages redirect to the sign-in form. `GET /account/billing` (old welcome pages and feed
notices link there, some with `?token=`) never opens the portal: a feed URL is not a
billing credential. Pages show feed tokens, so they are `no-store` and `no-referrer`.
"""

from __future__ import annotations

from typing import cast

import segno
from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request

from auth.stripe_api import StripeFailure
from publisher.accounts.account_page import UNBILLED_PLANS, account_view, reset_links
from publisher.accounts.sessions import end_session
from publisher.billing.gateway import billing_unavailable
from publisher.members.plans import BY_SLUG, PlanPrice
from publisher.models import Member, utcnow
from publisher.services import services_of
from publisher.web import sign_in
from publisher.web.account_cookie import (
    clear_session_cookie,
    cookie_value,
    current_id_hash,
    current_member,
)
from publisher.web.billing import gateway, joining_open
from publisher.web.podcast_apps import OTHER_APPS, podcast_app_links
from publisher.web.responses import Refusal, private
from publisher.web.show_header import show_title

bp = Blueprint("account", __name__, template_folder="templates")
NOTICES = {"links-reset": "New links are ready below and on their way to your inbox."}


BACK = (("/account", "Back to your account"),)
NOTHING_TO_MANAGE = Refusal(
    409,
    "Nothing to manage",
    "Your membership is not billed to you: there is no card, invoice or plan to change. "
    "Your feeds keep playing as your account page says.",
    "this membership is not billed through Stripe: nothing to manage",
    BACK,
)


def billing_closed(problem: str) -> Refusal:
    return Refusal(
        503,
        "Billing is closed for now",
        "Cards and invoices can't be managed on this server at the moment. Your feeds keep "
        "playing; try again later.",
        problem,
        BACK,
    )


def portal_failed(why: str) -> Refusal:
    return Refusal(
        502,
        "The billing page didn't open",
        "Stripe didn't answer in time. Nothing changed: go back and press Manage billing again.",
        f"could not open the billing portal, please try again: {why}",
        BACK,
    )


def _to_sign_in() -> Response:
    return private(cast(Response, redirect("/account/sign-in", code=303)))


def qr_data_uri(url: str) -> str:
    """A PNG QR code of the feed URL, so a desktop buyer can add it on a phone."""
    return segno.make(url, error="m").png_data_uri(scale=4, border=4)


def renewal_plan(member: Member) -> PlanPrice:
    """The plan a lapsed or revoked member pays for to come back: their own, or monthly
    when theirs was never bought (complimentary, a gift)."""
    return BY_SLUG.get(member.plan or "", BY_SLUG["monthly"])


@bp.get("/account")
def account() -> Response:
    """Plan, status, dates, and every published season's feed with app buttons and QR."""
    services = services_of(current_app)
    with services.db.session() as db:
        member = current_member(db)
        if member is None:
            return _to_sign_in()
        view = account_view(db, services.config, member, utcnow())
        renew = None if view.active else renewal_plan(member)
    html = render_template(
        "account_home.html",
        show_title=show_title(),
        view=view,
        apps={f.url: podcast_app_links(f.url) for f in view.feeds},
        qr={f.url: qr_data_uri(f.url) for f in view.feeds},
        other_apps=OTHER_APPS,
        notice=NOTICES.get(request.args.get("done", "")),
        join_url=f"{services.config.base_url}/",
        renew=renew if renew is not None and joining_open(renew.slug) else None,
    )
    return private(Response(html, mimetype="text/html"))


@bp.post("/account/reset-links")
def reset() -> Response:
    """New feed token, emailed; this browser stays signed in, every other one is signed out."""
    services = services_of(current_app)
    with services.db.session() as db:
        member = current_member(db)
        if member is None:
            return _to_sign_in()
        reset_links(db, services.config, member, current_id_hash(), utcnow())
    return private(cast(Response, redirect("/account?done=links-reset", code=303)))


@bp.post("/account/billing")
def open_portal() -> Response:
    """303 to Stripe's Customer Portal for the signed-in member's own customer."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config)
    if problem:
        return private(billing_closed(problem).response())
    with services.db.session() as db:
        member = current_member(db)
        if member is None:
            return _to_sign_in()
        customer_id = member.stripe_customer_id
        billed = member.plan not in UNBILLED_PLANS
    if not customer_id or not billed:
        return private(NOTHING_TO_MANAGE.response())
    try:
        url = gateway().create_portal(customer_id, return_url=f"{services.config.base_url}/account")
    except StripeFailure as exc:
        return private(portal_failed(str(exc)).response())
    return private(cast(Response, redirect(url, code=303)))


@bp.get("/account/billing")
def account_billing() -> Response:
    """Old links (welcome pages, feed notices) land on the account page, never the portal."""
    problem = billing_unavailable(services_of(current_app).config)
    if problem:
        return private(billing_closed(problem).response())
    with services_of(current_app).db.session() as db:
        member = current_member(db)
    if member is None:
        return _to_sign_in()
    return private(cast(Response, redirect("/account", code=303)))


@bp.post("/account/sign-out")
def sign_out() -> Response:
    """End this browser's session on the server and forget the cookie."""
    with services_of(current_app).db.session() as db:
        end_session(db, cookie_value())
    response = private(cast(Response, redirect("/account/sign-in?done=signed-out", code=303)))
    clear_session_cookie(response)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(sign_in.bp)
