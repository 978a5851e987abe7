"""Seasons: each a private feed per member, added and edited by the producer.

Every change that a feed shows calls `publisher.listening.invalidation` in the same
transaction, so no worker serves a stale feed after the command returns.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.model import ALL_SEASONS_SLUG
from publisher.catalog.field_limits import check_number, check_text
from publisher.catalog.refusals import read_artwork_refusing
from publisher.catalog.uploads import Uploads, artwork_key
from publisher.errors import UserError
from publisher.listening.invalidation import season_changed
from publisher.models import Season, utcnow
from publisher.services import Services

# What a season's video episodes put in `<enclosure>`: their audio, or their MP4.
ENCLOSURES = ("audio", "video")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def _check_season_fields(title: str | None, description: str | None, number: int | None) -> None:
    check_text(title.strip() if title else None, Season, "title", "the title", "--title")
    check_text(description, Season, "description", "the description", "--description")
    check_number(number, "the season number", "--number")


def add_season(
    services: Services,
    slug: str,
    title: str,
    number: int | None = None,
    description: str = "",
    image: Path | None = None,
) -> Season:
    """Add a season (a private feed per member); its slug names it in feed URLs."""
    if not _SLUG.match(slug):
        raise UserError(
            f"{slug!r} is not a season slug: use lowercase letters, digits and hyphens, "
            "e.g. season-2"
        )
    if slug == ALL_SEASONS_SLUG:  # /feeds/<token>/all.xml is every season's feed
        raise UserError(
            f"{slug!r} is taken by the members' all-seasons feed (all.xml): choose another "
            "slug, e.g. season-2"
        )
    if not title.strip():
        raise UserError("a season needs a title (--title)")
    _check_season_fields(title, description, number)
    artwork = read_artwork_refusing(image)
    with Uploads(services.storage) as uploads, services.db.session() as session:
        if find_season(session, slug) is not None:
            raise UserError(f"season {slug!r} already exists (lovetv season list shows them)")
        if number is not None and session.scalar(select(Season).where(Season.number == number)):
            raise UserError(f"another season already has number {number}")
        season = Season(slug=slug, title=title.strip(), number=number, description=description)
        if artwork is not None:
            key = artwork_key(artwork.data, artwork.extension)
            season.image_key = uploads.put_shared(key, artwork.data, artwork.mime)
        session.add(season)
        session.flush()
        season_changed(session, season.id)
    return season


def find_season(session: Session, slug: str) -> Season | None:
    return session.scalar(select(Season).where(Season.slug == slug))


def get_season(session: Session, slug: str) -> Season:
    """The season with this slug, or an error that says where to look."""
    season = find_season(session, slug)
    if season is None:
        raise UserError(f"season {slug!r} does not exist (lovetv season list shows the seasons)")
    return season


def edit_season(
    services: Services,
    slug: str,
    *,
    title: str | None = None,
    description: str | None = None,
    number: int | None = None,
    image: Path | None = None,
    enclosure: str | None = None,
) -> Season:
    """Change a season's title, description, number, artwork or enclosure; its feeds are
    re-rendered. `enclosure="video"` makes its video episodes' `<enclosure>` the MP4."""
    if title is not None and not title.strip():
        raise UserError("a season needs a title (--title)")
    if all(v is None for v in (title, description, number, image, enclosure)):
        raise UserError(
            "nothing to change: give --title, --description, --number, --image or --enclosure"
        )
    if enclosure is not None and enclosure not in ENCLOSURES:
        raise UserError(f"--enclosure is {' or '.join(ENCLOSURES)}, not {enclosure!r}")
    _check_season_fields(title, description, number)
    artwork = read_artwork_refusing(image)
    with Uploads(services.storage) as uploads, services.db.session() as session:
        season = get_season(session, slug)
        if number is not None and session.scalar(
            select(Season).where(Season.number == number, Season.id != season.id)
        ):
            raise UserError(f"another season already has number {number}")
        if title is not None:
            season.title = title.strip()
        if description is not None:
            season.description = description
        if number is not None:
            season.number = number
        if enclosure is not None:
            season.enclosure = enclosure
        if artwork is not None:
            key = artwork_key(artwork.data, artwork.extension)
            season.image_key = uploads.put_shared(key, artwork.data, artwork.mime)
        season.updated_at = utcnow()
        season_changed(session, season.id)
    return season
