"""`GET /episodes/<guid>/transcript`: a free episode's transcript as a page of timed lines.

The raw SRT or WebVTT stays at `/media/teaser/<guid>.transcript.<ext>` for apps.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app

from publisher.catalog.transcript_page import public_transcript
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web.public import PAGE_URLS, _page

bp = Blueprint("transcripts", __name__, template_folder="templates")


@bp.get("/episodes/<guid>/transcript")
def transcript(guid: str) -> Response:
    """The cues in order with their times, each linking to that moment of the episode."""
    services = services_of(current_app)
    with services.db.session() as session:
        view = public_transcript(session, services.storage, PAGE_URLS, guid, utcnow())
    if view is None:
        abort(404)
    return _page("public_transcript.html", transcript=view, episode=view.episode)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
