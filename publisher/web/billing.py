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
)
from sqlalchemy import select

from auth.stripe_api import StripeFailure, StripeGateway
from feeds.notes import notes_html
from publisher.accounts.account_page import holds_lifetime, subscribed
from publisher.app import services_of
from publisher.billing.refresh import billing_unavailable, make_gateway
from publisher.catalog.public_pages import seasons_with_episodes, show_view, teaser_episodes
from publisher.config import PLANS
from publisher.members.plans import PLAN_PRICES
from publisher.models import Member, Show, utcnow
from publisher.web.account_cookie import current_member
from publisher.web.podcast_apps import OTHER_APPS, podcast_app_links
from publisher.web.public import PAGE_URLS

bp = Blueprint("billing", __name__, template_folder="templates")
SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")


@dataclass(frozen=True)
class Offer:
    slug: str
    title: str
    price: str


# What the landing page shows; Stripe's prices (LOVETV_STRIPE_PRICES) are what is charged.
OFFERS = tuple(Offer(p.slug, p.title, p.price_text) for p in PLAN_PRICES)


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


def show_title() -> str:
    with services_of(current_app).db.session() as db:
        title = db.scalar(select(Show.title).where(Show.id == 1))
    return title or "Love TV"


@bp.get("/")
def landing() -> Response:
    """The show: cover, description, the three memberships (each linking to /join/<plan>),
    the teaser episodes with a player, and the free feed with app buttons and a copy button."""
    services = services_of(current_app)
    teaser_url = f"{services.config.base_url}/feeds/teaser.xml"
    now = utcnow()
    with services.db.session() as session:
        show = show_view(session, PAGE_URLS)
        teasers = teaser_episodes(session, PAGE_URLS, now)
        seasons = seasons_with_episodes(session, now)
    html = render_template(
        "billing_landing.html",
        show=show,
        show_title=show.title,
        description_html=notes_html(show.description),
        plans=[o for o in OFFERS if o.slug in PLANS],
        joining_open=billing_unavailable(services.config) is None,
        teaser_url=teaser_url,
        teaser_apps=podcast_app_links(teaser_url),
        other_apps=OTHER_APPS,
        teasers=teasers,
        seasons=seasons,
    )
    return Response(html, mimetype="text/html")


@bp.get("/join/<plan>")
def join_form(plan: str) -> Response:
    """The plan and a button; nothing is created at Stripe until the form is posted."""
    offer = _offer(plan)
    closed = _not_on_sale(plan)
    if closed is not None:
        return closed
    html = render_template("billing_join.html", show_title=show_title(), plan=offer)
    return Response(html, mimetype="text/html")


def _not_on_sale(plan: str) -> Response | None:
    """503 with one line when billing or this plan's price is not configured."""
    config = services_of(current_app).config
    problem = billing_unavailable(config)
    if problem:
        return plain(f"{problem}; joining is closed for now", 503)
    if not config.stripe_prices.get(plan):
        return plain(f"the {plan} plan is not on sale (LOVETV_STRIPE_PRICES has no price)", 503)
    return None


def _offer(plan: str) -> Offer:
    for offer in OFFERS:
        if offer.slug == plan and plan in PLANS:
            return offer
    abort(plain(f"unknown plan {plan!r}: choose monthly, yearly or lifetime", 404))


@bp.post("/join/<plan>")
def join(plan: str) -> Response:
    """Send the buyer to Checkout (303); a signed-in member never buys a second subscription."""
    _offer(plan)
    closed = _not_on_sale(plan)
    if closed is not None:
        return closed
    config = services_of(current_app).config
    with services_of(current_app).db.session() as db:
        member = current_member(db)
        if member is not None and holds_lifetime(member):
            return redirect("/account", code=303)  # type: ignore[return-value]
        if member is not None and subscribed(member):
            return _portal(member.stripe_customer_id or "", config.base_url)
        buyer = _Buyer.of(member)
    try:
        url = gateway().create_checkout(
            plan,
            config.stripe_prices[plan],
            success_url=f"{config.base_url}/welcome?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{config.base_url}/",
            request_nonce=secrets.token_urlsafe(16),
            customer_id=buyer.customer_id,
            member_id=buyer.member_id,
            customer_email=buyer.email,
        )
    except StripeFailure as exc:
        return plain(f"could not start the checkout, please try again: {exc}", 502)
    return redirect(url, code=303)  # type: ignore[return-value]


@dataclass(frozen=True)
class _Buyer:
    """Who Checkout is for: nobody known, or a signed-in member (their own customer)."""

    member_id: int | None = None
    customer_id: str | None = None
    email: str | None = None

    @classmethod
    def of(cls, member: Member | None) -> _Buyer:
        if member is None:
            return cls()
        customer = member.stripe_customer_id
        return cls(member.id, customer, None if customer else member.email)


def _portal(customer_id: str, base_url: str) -> Response:
    """An active subscriber changes plan in the Customer Portal instead of buying again."""
    try:
        url = gateway().create_portal(customer_id, return_url=f"{base_url}/account")
    except StripeFailure as exc:
        return plain(f"could not open the billing portal, please try again: {exc}", 502)
    return private(redirect(url, code=303))  # type: ignore[arg-type]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
