"""The page a buyer lands on after Stripe Checkout.

It never signs anyone in and sets no cookie: the Checkout Session id in its URL is no proof
of who is looking. What it shows is decided by `publisher.billing.welcome_page` (feed links
only for a brand-new member, for a short time); it provisions through the same function as
the webhook, so it works before the webhook arrives.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request

from auth.stripe_api import StripeFailure
from publisher.billing.gateway import billing_unavailable
from publisher.billing.units import welcome_checkout
from publisher.billing.welcome_page import WELCOME_WINDOW
from publisher.services import services_of
from publisher.web.account import qr_data_uri
from publisher.web.billing import SESSION_ID, gateway
from publisher.web.podcast_apps import OTHER_APPS, podcast_app_links
from publisher.web.responses import Refusal, private
from publisher.web.show_header import show_title
from publisher.web.throttle import stripe_throttle

bp = Blueprint("welcome", __name__, template_folder="templates")


@bp.get("/welcome")
def welcome() -> Response:
    """What became of this checkout; the new member's feed links while the window is open."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config)
    if problem:
        return _refused(503, problem)
    session_id = request.args.get("session_id", "")
    if not SESSION_ID.match(session_id):
        return _refused(400, "this page needs the session_id Stripe Checkout adds to its link")
    throttled = stripe_throttle()
    if throttled is not None:
        return private(throttled)
    try:
        checkout = gateway().checkout_session(session_id)
        if checkout is None:
            return _refused(404, "no such checkout session: start again from the join page")
        view = welcome_checkout(services.db, gateway(), services.config, checkout)
    except StripeFailure as exc:
        return private(
            Refusal(
                502,
                "Your payment is being checked",
                "We could not confirm the payment just now. Nothing is lost: reload this page "
                "in a minute, and your links are emailed to you as soon as it is confirmed.",
                f"could not reach Stripe, please reload this page: {exc}",
                ((request.full_path, "Reload this page"),),
            ).response()
        )
    title = show_title()
    if view is None:
        return private(Response(render_template("billing_pending.html", show_title=title)))
    html = render_template(
        "billing_welcome.html",
        show_title=title,
        view=view,
        minutes=int(WELCOME_WINDOW.total_seconds() // 60),
        apps={url: podcast_app_links(url) for _, url in view.feeds},
        qr={url: qr_data_uri(url) for _, url in view.feeds},
        other_apps=OTHER_APPS,
    )
    return private(Response(html, mimetype="text/html"))


def _refused(status: int, line: str) -> Response:
    """A welcome link that leads nowhere (no billing, a mangled or unknown session id)."""
    return private(
        Refusal(
            status,
            "This welcome link does not work",
            "It may have been copied only in part. Your membership's links were emailed to "
            "you when you joined; you can also sign in to see them.",
            line,
            (("/account/sign-in", "Sign in"), ("/", "Home")),
        ).response()
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
