"""`GET /account/episodes/<guid>`: a signed-in member watches (or hears) an episode here.

Thin: the member comes from the session cookie, the decision and the page's values from
`publisher.accounts.watching`. The page carries the member's token in its media URLs, so
it is `no-store` and `no-referrer` like the account page.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template

from publisher.accounts.watching import may_watch, member_episode
from publisher.models import Show, utcnow
from publisher.services import services_of
from publisher.web.account_cookie import current_member
from publisher.web.responses import Refusal, private
from publisher.web.show_header import show_title

bp = Blueprint("watch", __name__, template_folder="templates")

PAUSED = Refusal(
    403,
    "Your membership is paused",
    "Episodes play here while your membership is active, as in your podcast app. Your "
    "account page says why it stopped and how to start it again.",
    "this membership is not active: sign in at /account to renew",
    (("/account", "Go to your account"), ("/", "See memberships")),
)


@bp.get("/account/episodes/<guid>")
def episode(guid: str) -> Response:
    """The episode's player with the member's own links; sign-in first when signed out."""
    services = services_of(current_app)
    now = utcnow()
    with services.db.session() as db:
        member = current_member(db)
        if member is None:
            return private(cast(Response, redirect("/account/sign-in", code=303)))
        if not may_watch(db, services.config, member, now):
            return private(PAUSED.response())
        view = member_episode(db, services.config, member, guid, now)
        show = db.get(Show, 1)
        language = (show.language if show else None) or "en"
    if view is None:
        abort(404)
    html = render_template(
        "account_episode.html", show_title=show_title(), episode=view, language=language
    )
    return private(Response(html, mimetype="text/html"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
