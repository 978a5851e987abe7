"""Episodes as the producer finds, lists, takes down and puts live again.

`EpisodeSummary` is the one shape of an episode that the CLI prints (`episode publish`,
`edit`, `republish` and `list`), and `go_live` the one place where an episode enters its
season's feeds, so that "the season's first live episode announces the season" holds for
a first publish and for a republish alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.catalog.seasons import get_season
from publisher.catalog.video_summary import video_summary
from publisher.config import Config
from publisher.errors import UserError
from publisher.listening.invalidation import season_changed
from publisher.models import Episode, Season, utcnow
from publisher.services import Services

GUID_PREFIX_MIN = 6  # CONTRACT.md: "a unique prefix of it of at least 6 characters"


@dataclass(frozen=True)
class EpisodeSummary:
    """What the CLI says of an episode: the contract's JSON keys first (guid, season, title,
    audio_key, mime, size, duration, teaser), then more that producers find useful."""

    guid: str
    season: str
    title: str
    audio_key: str
    mime: str
    size: int
    duration: float
    teaser: bool
    number: int | None
    episode_type: str
    publish_at: datetime
    status: str
    bitrate: int | None
    sample_rate: int | None
    image_key: str | None
    transcript_key: str | None
    transcript_mime: str | None
    chapters: int  # how many
    imported_guid: str | None  # the GUID apps know it by, when it came from a feed
    video: dict[str, Any] | None  # `video_summary`: height, renditions, ...

    @classmethod
    def of(cls, episode: Episode, season: str, now: datetime | None = None) -> EpisodeSummary:
        return cls(
            guid=episode.guid,
            season=season,
            title=episode.title,
            audio_key=episode.audio_key,
            mime=episode.mime,
            size=episode.size,
            duration=episode.duration,
            teaser=episode.teaser,
            number=episode.number,
            episode_type=episode.episode_type,
            publish_at=episode.publish_at,
            status=episode_status(episode, now),
            bitrate=episode.bitrate,
            sample_rate=episode.sample_rate,
            image_key=episode.image_key,
            transcript_key=episode.transcript_key,
            transcript_mime=episode.transcript_mime,
            chapters=len(episode.chapters or []),
            imported_guid=episode.imported_guid,
            video=video_summary(episode.video, episode.video_size),
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "publish_at": self.publish_at.isoformat()}


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
        return [EpisodeSummary.of(e, slug, now) for e, slug in rows]


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


def go_live(session: Session, config: Config, episode: Episode, announce: bool = True) -> None:
    """Put `episode` (new, or unpublished) in its season's feeds in the caller's transaction.

    When it is the season's first live episode, the season's "new season" email is queued
    to every member who can hear it (unless `announce` is False, as for an import); its
    dedupe key means nobody gets it twice, however often the season goes quiet and live.
    """
    first = not season_has_episodes(session, episode.season_id)
    episode.unpublished_at = None
    session.add(episode)  # a new episode joins the session; a known one is in it already
    session.flush()
    season_changed(session, episode.season_id)
    if first and announce:
        # Imported only now: it brings the mail templates, which most publishes do without.
        from publisher.members.season_news import announce_season

        season = session.get_one(Season, episode.season_id)
        announce_season(session, config, season, episode.publish_at)
