"""The show, its seasons and the episode list, as the producer's CLI edits and reads them.

Every change that a feed shows calls `publisher.listening.invalidation` in the same
transaction, so no worker serves a stale feed after the command returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.model import ALL_SEASONS_SLUG
from publisher.catalog.field_limits import check_number, check_text
from publisher.catalog.uploads import Uploads, artwork_key
from publisher.catalog.video_summary import video_summary
from publisher.errors import UserError
from publisher.listening.invalidation import season_changed, show_changed
from publisher.models import Episode, Season, Show, utcnow
from publisher.services import Services

if TYPE_CHECKING:
    from audio.artwork import Artwork

SHOW_ID = 1
# What a season's video episodes put in `<enclosure>`: their audio, or their MP4.
ENCLOSURES = ("audio", "video")
GUID_PREFIX_MIN = 6  # README: "a unique start of it of at least 6 characters"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
SHOW_FIELDS = (
    "title",
    "author",
    "owner_email",
    "description",
    "language",
    "category",
    "website",
    "explicit",
    "regular_prices",
    "name_in_feed_title",
)


@contextmanager
def refusals() -> Iterator[None]:
    """The audio core refuses with `ValueError`s; the producer sees them as one-line errors."""
    try:
        yield
    except ValueError as exc:
        if isinstance(exc, _refusals()):
            raise UserError(str(exc)) from exc
        raise


def _refusals() -> tuple[type[ValueError], ...]:
    """The audio core's refusals, imported when one is raised (PIL and mutagen are slow to
    import, and `season list` needs neither)."""
    from audio.artwork import ArtworkError
    from audio.chapters import ChapterError
    from audio.probe import AudioError
    from audio.transcripts import TranscriptError
    from audio.video_probe import VideoError

    return (AudioError, ArtworkError, ChapterError, TranscriptError, VideoError)


def read_artwork_refusing(image: Path | None) -> Artwork | None:
    """The checked artwork at `image` (None without one), refused as a one-line error."""
    if image is None:
        return None
    from audio.artwork import read_artwork

    with refusals():
        return read_artwork(image)


def set_show(
    services: Services,
    changes: Mapping[str, Any],
    image: Path | None = None,
    policies: Mapping[str, str | None] | None = None,
) -> Show:
    """Create the show or change the given fields (and artwork); the rest stays as it was.

    `policies` carries the terms and refund-policy Markdown (`terms`, `refund_policy`).
    """
    from publisher.catalog.show_policies import set_policies

    changes = _check_show_changes(changes)
    artwork = read_artwork_refusing(image)
    with Uploads(services.storage) as uploads, services.db.session() as session:
        show = session.get(Show, SHOW_ID)
        if show is None:
            if not (changes.get("title") or "").strip():
                raise UserError("the show has no title yet: pass --title to create it")
            show = Show(id=SHOW_ID, title=changes["title"])
            session.add(show)
        for name in SHOW_FIELDS:
            if changes.get(name) is not None:
                setattr(show, name, changes[name])
        if artwork is not None:
            key = artwork_key(artwork.data, artwork.extension)
            show.image_key = uploads.put_shared(key, artwork.data, artwork.mime)
        if policies:
            session.flush()
            set_policies(session, **policies)
        show.updated_at = utcnow()
        show_changed(session)
    return show


def _check_show_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, checked, with the owner address and category as they are stored."""
    from publisher.catalog.apple_categories import apple_category

    unknown = set(changes) - set(SHOW_FIELDS)
    if unknown:
        raise UserError(f"unknown show fields: {', '.join(sorted(unknown))}")
    if changes.get("title") is not None and not changes["title"].strip():
        raise UserError("the show title cannot be empty")
    changes = dict(changes)
    if changes.get("regular_prices") is not None:
        changes["regular_prices"] = _regular_prices(changes["regular_prices"])
    for name in SHOW_FIELDS:
        if isinstance(changes.get(name), str):
            check_text(changes[name], Show, name, f"the show's {name}", _option(name))
    checked = dict(changes)
    if changes.get("owner_email"):
        checked["owner_email"] = _owner_email(changes["owner_email"])
    if changes.get("category") is not None:
        checked["category"] = apple_category(changes["category"])
    website = changes.get("website")
    if website and not website.startswith(("http://", "https://")):
        raise UserError(f"{website!r} is not a web address: start it with https://")
    language = changes.get("language")
    if language is not None and not _LANGUAGE.match(language):
        raise UserError(f"{language!r} is not a language code such as en or en-US")
    return checked


def _owner_email(email: str) -> str:
    """The address podcast directories write to (itunes:owner), as email-validator reads it.

    Only its form is checked (no DNS lookup: a producer may set it up before the domain has
    mail); the IETF's `.test` and `.example` domains are accepted for demos and tests.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(email.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise UserError(
            f"{email.strip()!r} is not an email address (--owner-email): {exc}"
        ) from None
    return valid.normalized


def _regular_prices(raw: str) -> str:
    """`monthly=199,yearly=499,lifetime=799` checked and stored the same way every time."""
    from publisher.members.plans import parse_regular_prices, regular_prices_text

    try:
        return regular_prices_text(parse_regular_prices(raw))
    except ValueError as exc:
        raise UserError(f"--regular-price: {exc}") from None


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_season_fields(title: str | None, description: str | None, number: int | None) -> None:
    check_text(title.strip() if title else None, Season, "title", "the title", "--title")
    check_text(description, Season, "description", "the description", "--description")
    check_number(number, "the season number", "--number")


def get_show(session: Session) -> Show:
    """The show, or an error that says how to create it."""
    show = session.get(Show, SHOW_ID)
    if show is None:
        raise UserError('there is no show yet: run lovetv show set --title "…" --author "…"')
    return show


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


@dataclass(frozen=True)
class EpisodeSummary:
    """One line of `lovetv episode list`."""

    guid: str
    season: str
    number: int | None
    title: str
    episode_type: str
    status: str
    publish_at: datetime
    teaser: bool
    duration: float
    size: int
    audio_key: str
    imported_guid: str | None = None  # the GUID apps know it by, when it came from a feed
    video: dict[str, Any] | None = None  # `video_summary`: height, renditions, ...

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "publish_at": self.publish_at.isoformat()}


def episode_status(episode: Episode, now: datetime | None = None) -> str:
    """`unpublished`, `scheduled` (publish time still ahead) or `published`."""
    if episode.unpublished_at is not None:
        return "unpublished"
    return "scheduled" if episode.publish_at > (now or utcnow()) else "published"


def list_episodes(services: Services, season_slug: str | None = None) -> list[EpisodeSummary]:
    """Episodes of one season (or all), in season and publish order."""
    with services.db.session() as session:
        query = select(Episode, Season.slug).join(Season)
        if season_slug is not None:
            query = query.where(Episode.season_id == get_season(session, season_slug).id)
        rows = session.execute(
            query.order_by(Season.number, Season.id, Episode.publish_at, Episode.id)
        ).all()
        now = utcnow()
        return [
            EpisodeSummary(
                guid=e.guid,
                season=slug,
                number=e.number,
                title=e.title,
                episode_type=e.episode_type,
                status=episode_status(e, now),
                publish_at=e.publish_at,
                teaser=e.teaser,
                duration=e.duration,
                size=e.size,
                audio_key=e.audio_key,
                imported_guid=e.imported_guid,
                video=video_summary(e.video, e.video_size),
            )
            for e, slug in rows
        ]


def find_episode(session: Session, guid: str) -> Episode:
    """The episode with this GUID or a unique start of it (at least `GUID_PREFIX_MIN`
    characters, as `member show` takes part of an address), or the GUID it had in the feed
    it was imported from; else a one-line error."""
    text = guid.strip()
    episode = session.scalar(
        select(Episode).where((Episode.guid == text) | (Episode.imported_guid == text))
    )
    if episode is not None:
        return episode
    if len(text) < GUID_PREFIX_MIN:
        raise UserError(
            f"no episode with GUID {text!r}, and a GUID prefix needs at least "
            f"{GUID_PREFIX_MIN} characters (lovetv episode list shows the GUIDs)"
        )
    # substr, not LIKE: SQLite's LIKE ignores case and PostgreSQL's does not.
    found = session.scalars(
        select(Episode).where(func.substr(Episode.guid, 1, len(text)) == text).limit(4)
    ).all()
    if not found:
        raise UserError(
            f"no episode with GUID {text!r} or starting with it "
            "(lovetv episode list shows the GUIDs)"
        )
    if len(found) > 1:
        shown = ", ".join(e.guid for e in found[:3]) + ("…" if len(found) > 3 else "")
        raise UserError(f"{text!r} starts several episodes' GUIDs ({shown}): type more of it")
    return found[0]


def resolve_guid(services: Services, guid: str) -> str:
    """The whole GUID of the episode `guid` names (itself or a unique start of it)."""
    with services.db.session() as session:
        return find_episode(session, guid).guid


def unpublish_episode(services: Services, guid: str) -> bool:
    """Take an episode out of every feed, keeping its audio; False if it already was."""
    with services.db.session() as session:
        episode = find_episode(session, guid)
        if episode.unpublished_at is not None:
            return False
        episode.unpublished_at = utcnow()
        season_changed(session, episode.season_id)
        return True


def season_has_episodes(session: Session, season_id: int) -> bool:
    """Whether the season already has a published or scheduled episode."""
    query = select(Episode.id).where(
        Episode.season_id == season_id, Episode.unpublished_at.is_(None)
    )
    return session.scalar(query.limit(1)) is not None
