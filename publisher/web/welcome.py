"""The page a buyer lands on after Stripe Checkout: their new feed links, for a short time."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request, session

from auth.stripe_api import StripeFailure
from publisher.app import services_of
from publisher.billing.events import welcome_member
from publisher.billing.refresh import billing_unavailable
from publisher.web.billing import MEMBER_COOKIE_KEY, SESSION_ID, gateway, plain, private, show_title
from publisher.web.podcast_apps import podcast_app_links

bp = Blueprint("welcome", __name__, template_folder="templates")


@bp.get("/welcome")
def welcome() -> Response:
    """The new member's feed links, provisioned from the Checkout Session itself."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config)
    if problem:
        return plain(problem, 503)
    session_id = request.args.get("session_id", "")
    if not SESSION_ID.match(session_id):
        return plain("this page needs the session_id Stripe Checkout adds to its link", 400)
    try:
        checkout = gateway().checkout_session(session_id)
        if checkout is None:
            return plain("no such checkout session: start again from the join page", 404)
        welcomed = welcome_member(services.db, gateway(), services.config, checkout)
    except StripeFailure as exc:
        return plain(f"could not reach Stripe, please reload this page: {exc}", 502)
    title = show_title()
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


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
