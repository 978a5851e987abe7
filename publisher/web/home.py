"""The home page `/`: the show, its memberships, its free episodes and the free feed.

What a visitor sees first, so it shows only what works: a join button only for a plan on
sale (`publisher.web.billing.joining_open`), the teaser feed with buttons for podcast apps.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template

from feeds.notes import notes_html
from publisher.catalog.public_pages import seasons_with_episodes, show_view, teaser_episodes
from publisher.config import PLANS
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web.billing import OFFERS, joining_open, plan_offers
from publisher.web.podcast_apps import OTHER_APPS, podcast_app_links
from publisher.web.public import PAGE_URLS

bp = Blueprint("home", __name__, template_folder="templates")


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


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
