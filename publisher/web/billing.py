"""Joining and paying: the landing page, Stripe Checkout, the welcome page, the portal.

Thin views over `publisher.billing.events` and `auth.stripe_api`. Pages that show a feed
token are `no-store` and `no-referrer`, so the token stays out of caches and other sites'
logs. Without Stripe configured the billing routes answer 503 with one line; the landing
page still renders.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.stripe_api import StripeFailure, StripeGateway
from publisher.app import services_of
from publisher.billing.events import welcome_member
from publisher.billing.refresh import billing_unavailable, make_gateway
from publisher.config import PLANS
from publisher.members.members import find_token_holder
from publisher.models import Member, Show
from publisher.web.podcast_apps import podcast_app_links

bp = Blueprint("billing", __name__, template_folder="templates")
_SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
MEMBER_COOKIE_KEY = "member_id"


@dataclass(frozen=True)
class Offer:
    slug: str
    title: str
    price: str


# What the landing page shows; Stripe's prices (LOVETV_STRIPE_PRICES) are what is charged.
OFFERS = (
    Offer("monthly", "Monthly membership", "$77 / month"),
    Offer("yearly", "Yearly membership", "$222 / year"),
    Offer("lifetime", "Lifetime membership", "$333 once, yours for good"),
)


def plain(message: str, status: int) -> Response:
    """A one-line text answer, never cached."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def private(response: Response) -> Response:
    """Headers for anything that carries a member's token."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def gateway() -> StripeGateway:
    """One Stripe client per app (it keeps its HTTP connections)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "lovetv.stripe" not in app.extensions:
        app.extensions["lovetv.stripe"] = make_gateway(services_of(app).config)
    return app.extensions["lovetv.stripe"]


def _show_title() -> str:
    with services_of(current_app).db.session() as db:
        title = db.scalar(select(Show.title).where(Show.id == 1))
    return title or "Love TV"


@bp.get("/")
def landing() -> Response:
    """The show and its three memberships, each linking to /join/<plan>."""
    config = services_of(current_app).config
    html = render_template(
        "billing_landing.html",
        show_title=_show_title(),
        plans=[o for o in OFFERS if o.slug in PLANS],
        joining_open=billing_unavailable(config) is None,
        teaser_url=f"{config.base_url}/feeds/teaser.xml",
    )
    return Response(html, mimetype="text/html")


@bp.get("/join/<plan>")
def join(plan: str) -> Response:
    """Create a Checkout Session for the plan and send the buyer to it (303)."""
    if plan not in PLANS:
        abort(plain(f"unknown plan {plan!r}: choose monthly, yearly or lifetime", 404))
    config = services_of(current_app).config
    problem = billing_unavailable(config)
    if problem:
        return plain(f"{problem}; joining is closed for now", 503)
    price = config.stripe_prices.get(plan)
    if not price:
        return plain(f"the {plan} plan is not on sale (LOVETV_STRIPE_PRICES has no price)", 503)
    try:
        url = gateway().create_checkout(
            plan,
            price,
            success_url=f"{config.base_url}/welcome?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{config.base_url}/",
            request_nonce=secrets.token_urlsafe(16),
            customer_id=_returning_customer(),
        )
    except StripeFailure as exc:
        return plain(f"could not start the checkout, please try again: {exc}", 502)
    return redirect(url, code=303)  # type: ignore[return-value]


def _returning_customer() -> str | None:
    """A returning member buys as the same Stripe customer, so no second customer appears."""
    member_id = session.get(MEMBER_COOKIE_KEY)
    if not isinstance(member_id, int):
        return None
    with services_of(current_app).db.session() as db:
        member = db.get(Member, member_id)
        return member.stripe_customer_id if member is not None else None


@bp.get("/welcome")
def welcome() -> Response:
    """The new member's feed links, provisioned from the Checkout Session itself."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config)
    if problem:
        return plain(problem, 503)
    session_id = request.args.get("session_id", "")
    if not _SESSION_ID.match(session_id):
        return plain("this page needs the session_id Stripe Checkout adds to its link", 400)
    try:
        checkout = gateway().checkout_session(session_id)
        if checkout is None:
            return plain("no such checkout session: start again from the join page", 404)
        welcomed = welcome_member(services.db, gateway(), services.config, checkout)
    except StripeFailure as exc:
        return plain(f"could not reach Stripe, please reload this page: {exc}", 502)
    title = _show_title()
    if welcomed is None:
        return private(Response(render_template("billing_pending.html", show_title=title)))
    session[MEMBER_COOKIE_KEY] = welcomed.member_id
    feeds = list(welcomed.feeds.items())
    html = render_template(
        "billing_welcome.html",
        show_title=title,
        welcome=welcomed,
        feeds=feeds,
        apps={url: podcast_app_links(url) for _, url in feeds},
    )
    return private(Response(html, mimetype="text/html"))


@bp.get("/account/billing")
def account_billing() -> Response:
    """Send the member to Stripe's Customer Portal (card, invoices, cancellation)."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config)
    if problem:
        return plain(problem, 503)
    with services.db.session() as db:
        member, refusal = _member_asking(db)
        if member is None:
            return private(plain(refusal, 403))
        customer_id = member.stripe_customer_id
    if not customer_id:
        return private(
            plain("this membership is not billed through Stripe: nothing to manage", 409)
        )
    try:
        url = gateway().create_portal(customer_id, return_url=f"{services.config.base_url}/")
    except StripeFailure as exc:
        return private(plain(f"could not open the billing portal, please try again: {exc}", 502))
    return private(redirect(url, code=303))  # type: ignore[arg-type]


def _member_asking(db: Session) -> tuple[Member | None, str]:
    """The member named by a feed token (notice links) or by the welcome page's cookie."""
    token = request.args.get("token")
    if token:
        holder = find_token_holder(db, services_of(current_app).config.secret_key, token)
        if holder is None or not holder.current:
            return None, "this link is no longer valid: use the newest link from your feed"
        return holder.member, ""
    member_id = session.get(MEMBER_COOKIE_KEY)
    member = db.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None:
        return None, "open this page from your welcome page or from the notice in your feed"
    return member, ""


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["SESSION_COOKIE_SECURE"] = services_of(app).config.base_url.startswith("https://")
    app.register_blueprint(bp)
