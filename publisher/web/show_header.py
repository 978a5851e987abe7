"""The show's title and artwork, as every page's header shows them.

Each read is remembered on the app's services, so that a page about a database outage
(which must not wait for the database) still carries the show's name and cover.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from publisher.models import Show
from publisher.services import services_of
from publisher.web.public import PAGE_URLS

DEFAULT_TITLE = "Love TV"
BUNDLED_COVER = "/static/cover.png"


def show_title() -> str:
    """The show's title from the database, remembered for outage pages."""
    services = services_of(current_app)
    with services.db.session() as db:
        title = db.scalar(select(Show.title).where(Show.id == 1))
    services.show_title = title or DEFAULT_TITLE
    return services.show_title


def remembered_title() -> str:
    """The show's title as last read by any page (an outage page must not ask the database)."""
    return services_of(current_app).show_title or DEFAULT_TITLE


def show_cover() -> str:
    """The show's artwork from the database (the bundled cover when it has none), remembered."""
    services = services_of(current_app)
    with services.db.session() as session:
        key = session.scalar(select(Show.image_key).where(Show.id == 1))
    services.show_cover = (PAGE_URLS.artwork(key) if key else None) or BUNDLED_COVER
    return services.show_cover


def remembered_cover() -> str:
    """The artwork as last read by any page: an outage page must not wait for the database."""
    return services_of(current_app).show_cover or BUNDLED_COVER
