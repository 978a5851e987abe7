"""Joining and paying: the landing page, Stripe Checkout, the welcome page, the portal.

Thin views over `publisher.billing.events` and `auth.stripe_api`. Pages that show a feed
token are `no-store` and `no-referrer`, so the token stays out of caches and other sites'
logs. Without Stripe configured (and no demo billing, see `publisher.demo_billing`) joining
is closed: a browser gets a page saying so with where to go instead, anything else one
line; the landing and season pages offer no join button then.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import cast

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
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.offers import money
from auth.stripe_api import StripeFailure, StripeGateway
from feeds.notes import notes_html
from publisher.accounts.account_page import holds_lifetime, subscribed
from publisher.app import services_of
from publisher.billing.offers import join_offer
from publisher.billing.refresh import billing_unavailable, make_gateway
from publisher.catalog.public_pages import seasons_with_episodes, show_view, teaser_episodes
from publisher.config import PLANS
from publisher.members.plans import BY_SLUG, PLAN_PRICES, parse_regular_prices
from publisher.models import Member, Show, utcnow
from publisher.web.account_cookie import current_member
from publisher.web.error_pages import remember_title
from publisher.web.negotiation import wants_html
from publisher.web.podcast_apps import OTHER_APPS, podcast_app_links
from publisher.web.public import PAGE_URLS
from publisher.web.throttle import stripe_throttle

bp = Blueprint("billing", __name__, template_folder="templates")
SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")


@dataclass(frozen=True)
class Offer:
    slug: str
    title: str
    price: str
    regular: str | None = None  # the show's regular price, shown struck through
    saves: str | None = None  # the yearly plan against twelve months of the monthly one


# What the landing page shows; Stripe's prices (LOVETV_STRIPE_PRICES) are what is charged.
OFFERS = tuple(Offer(p.slug, p.title, p.price_text) for p in PLAN_PRICES)


def plan_offers(session: Session) -> list[Offer]:
    """The plans as the home and join pages show them: with the show's regular prices
    (`lovetv show set --regular-price`) and what the yearly plan saves."""
    stored = session.scalar(select(Show.regular_prices).where(Show.id == 1)) or ""
    regular = parse_regular_prices(stored)
    monthly = BY_SLUG["monthly"].cents * 12
    offers = []
    for price in PLAN_PRICES:
        saves = None
        if price.slug == "yearly" and monthly > price.cents:
            saves = f"Save {money(monthly - price.cents)} a year against paying monthly"
        was = regular.get(price.slug)
        shown = money(was) if was and was > price.cents else None
        offers.append(Offer(price.slug, price.title, price.price_text, shown, saves))
    return offers


def plain(message: str, status: int) -> Response:
    """A one-line text answer, never cached."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class Refusal:
    """Why a billing page cannot do what was asked: a page for people, a line for the rest."""

    status: int
    heading: str
    sentence: str
    line: str  # the one-line answer for apps and scripts
    links: tuple[tuple[str, str], ...] = (("/", "Listen to the free episodes"),)

    def response(self) -> Response:
        if not wants_html():
            return plain(self.line, self.status)
        html = render_template(
            "billing_message.html",
            show_title=show_title(),
            heading=self.heading,
            sentence=self.sentence,
            links=self.links,
        )
        response = Response(html, status=self.status, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response


SIGN_IN_LINK = ("/account/sign-in", "Already a member? Sign in")


def private(response: Response) -> Response:
    """Headers for anything that carries a member's token."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def gateway() -> StripeGateway:
    """One Stripe client per app (it keeps its HTTP connections)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    if "lovetv.stripe" not in app.extensions:
        app.extensions["lovetv.stripe"] = make_gateway(services_of(app).config)
    return app.extensions["lovetv.stripe"]


def show_title() -> str:
    with services_of(current_app).db.session() as db:
        title = db.scalar(select(Show.title).where(Show.id == 1))
    remember_title(title or "Love TV")
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
        plans = [o for o in plan_offers(session) if o.slug in PLANS]
    html = render_template(
        "billing_landing.html",
        show=show,
        show_title=show.title,
        description_html=notes_html(show.description),
        plans=plans,
        on_sale={o.slug for o in OFFERS if joining_open(o.slug)},
        trials=services.config.trial_days,
        teaser_url=teaser_url,
        teaser_apps=podcast_app_links(teaser_url, private=False),
        other_apps=OTHER_APPS,
        teasers=teasers,
        seasons=seasons,
    )
    return Response(html, mimetype="text/html")


@bp.get("/join/<plan>")
def join_form(plan: str) -> Response:
    """The plan and a button; nothing is created at Stripe until the form is posted.

    A join link's `?code=` is checked here, so the page says what the buyer will pay."""
    _offer(plan)
    closed = _not_on_sale(plan)
    if closed is None and request.args.get("code"):
        closed = stripe_throttle()  # the code is looked up at Stripe
    if closed is not None:
        return closed
    services = services_of(current_app)
    with services.db.session() as db:
        member = current_member(db)
        extras = join_offer(services.config, gateway(), plan, member, request.args.get("code", ""))
        offer = next(o for o in plan_offers(db) if o.slug == plan)
        signed_in_as = member.email if member is not None else None
    html = render_template(
        "billing_join.html",
        show_title=show_title(),
        plan=offer,
        extras=extras,
        signed_in_as=signed_in_as,
        demo_billing=bool(services.config.demo_billing),
    )
    response = Response(html, mimetype="text/html")
    if signed_in_as:
        response.headers["Cache-Control"] = "no-store"  # it names the member
    return response


def _not_on_sale(plan: str) -> Response | None:
    """503 when billing or this plan's price is not configured."""
    config = services_of(current_app).config
    problem = billing_unavailable(config)
    if problem:
        return Refusal(
            503,
            "Joining is closed for now",
            "Memberships cannot be bought on this site yet. The free episodes are open to "
            "everyone in the meantime.",
            f"{problem}; joining is closed for now",
            (("/", "Listen to the free episodes"), SIGN_IN_LINK),
        ).response()
    if not config.stripe_prices.get(plan):
        return Refusal(
            503,
            "This membership is not on sale",
            "This membership cannot be bought right now; the others on the home page can.",
            f"the {plan} plan is not on sale (LOVETV_STRIPE_PRICES has no price)",
            (("/#plans", "See the memberships"),),
        ).response()
    return None


def joining_open(plan: str | None = None) -> bool:
    """Whether a join button would lead somewhere: billing configured (and the plan priced)."""
    config = services_of(current_app).config
    if billing_unavailable(config) is not None:
        return False
    return plan is None or bool(config.stripe_prices.get(plan))


def _offer(plan: str) -> Offer:
    for offer in OFFERS:
        if offer.slug == plan and plan in PLANS:
            return offer
    abort(
        Refusal(
            404,
            "No such membership",
            "There is no membership by that name: choose monthly, yearly or lifetime.",
            f"unknown plan {plan!r}: choose monthly, yearly or lifetime",
            (("/#plans", "See the memberships"),),
        ).response()
    )


@bp.post("/join/<plan>")
def join(plan: str) -> Response:
    """Send the buyer to Checkout (303); a signed-in member never buys a second subscription."""
    _offer(plan)
    closed = _not_on_sale(plan) or stripe_throttle()
    if closed is not None:
        return closed
    config = services_of(current_app).config
    with services_of(current_app).db.session() as db:
        member = current_member(db)
        if member is not None and holds_lifetime(member):
            return cast(Response, redirect("/account", code=303))
        if member is not None and subscribed(member):
            return _portal(member.stripe_customer_id or "", config.base_url)
        buyer = _Buyer.of(member)
        extras = join_offer(config, gateway(), plan, member, request.form.get("code", ""))
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
            offer=extras.checkout,
        )
    except StripeFailure as exc:
        return Refusal(
            502,
            "Payment could not start",
            "The payment page could not be opened just now. Nothing was charged: please try "
            "again in a minute.",
            f"could not start the checkout, please try again: {exc}",
            ((f"/join/{plan}", "Try again"),),
        ).response()
    return cast(Response, redirect(url, code=303))


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
        return Refusal(
            502,
            "Billing could not open",
            "The billing page could not be opened just now: please try again in a minute.",
            f"could not open the billing portal, please try again: {exc}",
            (("/account", "Back to your account"),),
        ).response()
    return private(cast(Response, redirect(url, code=303)))


def _joining_context() -> dict[str, object]:
    """What every page needs to offer joining only where it works (season pages too)."""
    return {
        "joining_open": joining_open(),
        "demo_billing": bool(services_of(current_app).config.demo_billing),
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(_joining_context)
