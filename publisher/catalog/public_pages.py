"""What the public pages show, read from the rows: the show, its seasons, teaser episodes.

Only teaser episodes and trailers (`feed_inputs.public`) ever get a page or a player;
members-only episodes appear by title alone on their season's page. Media URLs are the
public `/media/teaser/…` ones, relative, so pages play from whatever host serves them
(pass `Urls("")` for relative artwork too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.notes import notes_html
from publisher.listening.inputs import DEFAULT_COVER, TEASER, Urls, public, published
from publisher.listening.media_names import audio_extension, transcript_type
from publisher.models import Episode, Season, Show

TEASERS_ON_LANDING = 12  # newest first; the teaser feed has them all


@dataclass(frozen=True)
class ShowView:
    title: str
    description: str
    cover_url: str


@dataclass(frozen=True)
class Chapter:
    start: str  # H:MM:SS or M:SS
    title: str
    seconds: float = 0  # where the player seeks to when the chapter is chosen


@dataclass(frozen=True)
class EpisodeView:
    """One episode as a page shows it; `audio_url` is None for members-only ones."""

    guid: str
    title: str
    published: datetime
    duration: str
    season_title: str
    season_slug: str
    episode_type: str
    notes_html: str = ""
    audio_url: str | None = None
    mime: str = ""
    image_url: str | None = None
    chapters: tuple[Chapter, ...] = ()
    transcript_url: str | None = None  # the SRT or WebVTT file, for apps
    transcript_page: str | None = None  # the same as a page to read
    # A video episode's fast-start MP4 (browsers play it directly), its size, and its
    # WebVTT transcript as captions.
    video_url: str | None = None
    poster_url: str | None = None
    video_width: int = 0
    video_height: int = 0
    captions_url: str | None = None


@dataclass(frozen=True)
class SeasonView:
    slug: str
    title: str
    description_html: str
    image_url: str
    trailer: EpisodeView | None
    episodes: tuple[EpisodeView, ...]


def clock(seconds: float) -> str:
    """`1:02:03` or `2:03`: how players write a time (whole seconds, counted down)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def show_view(session: Session, urls: Urls) -> ShowView:
    show = session.get(Show, 1)
    cover = f"/{DEFAULT_COVER}"
    if show is not None and show.image_key:
        cover = urls.artwork(show.image_key) or cover
    return ShowView(
        title=show.title if show else "Love TV",
        description=show.description if show else "",
        cover_url=cover,
    )


def _chapters(raw: list | dict | None) -> tuple[Chapter, ...]:
    items = raw.get("chapters", []) if isinstance(raw, dict) else raw or []
    return tuple(
        Chapter(
            clock(float(c.get("startTime", 0))),
            str(c.get("title", "")),
            float(c.get("startTime", 0)),
        )
        for c in items
        if isinstance(c, dict)
    )


def episode_view(
    episode: Episode, season: Season, urls: Urls, playable: bool, who: str = TEASER
) -> EpisodeView:
    """`playable`: a teaser or trailer (or, with a member's token as `who`, any episode on
    the member's own page), with its player, notes, chapters and transcript."""
    view = EpisodeView(
        guid=episode.guid,
        title=episode.title,
        published=episode.publish_at,
        duration=clock(episode.duration or 0),
        season_title=season.title,
        season_slug=season.slug,
        episode_type=episode.episode_type or "full",
    )
    if not playable:
        return view
    name = f"/media/{who}/{episode.guid}"
    kind = transcript_type(episode.transcript_mime) if episode.transcript_key else None
    video = episode.video if episode.video_key else None
    if video:
        view = replace(
            view,
            video_url=f"{name}.mp4",
            poster_url=f"{name}.poster.jpg" if video.get("poster_key") else None,
            video_width=video["width"],
            video_height=video["height"],
            captions_url=f"{name}.transcript.vtt" if kind and kind[1] == "vtt" else None,
        )
    return replace(
        view,
        notes_html=notes_html(episode.description),
        audio_url=f"{name}.{audio_extension(episode.audio_key, episode.mime)}",
        mime=episode.mime,
        image_url=urls.artwork(episode.image_key) or urls.artwork(season.image_key),
        chapters=_chapters(episode.chapters),
        transcript_url=f"{name}.transcript.{kind[1]}" if kind else None,
        transcript_page=f"/episodes/{episode.guid}/transcript" if kind else None,
    )


def teaser_episodes(session: Session, urls: Urls, now: datetime) -> list[EpisodeView]:
    """The newest teaser episodes (not trailers), with their players."""
    query = (
        select(Episode, Season)
        .join(Season, Season.id == Episode.season_id)
        .where(published(now), Episode.teaser.is_(True))
        .order_by(Episode.publish_at.desc(), Episode.id.desc())
        .limit(TEASERS_ON_LANDING)
    )
    return [episode_view(e, s, urls, True) for e, s in session.execute(query)]


def public_episode(session: Session, urls: Urls, guid: str, now: datetime) -> EpisodeView | None:
    """A teaser episode or trailer by GUID; None for anything members-only or unknown."""
    query = (
        select(Episode, Season)
        .join(Season, Season.id == Episode.season_id)
        .where(Episode.guid == guid, public(now))
    )
    row = session.execute(query).first()
    return episode_view(row[0], row[1], urls, True) if row else None


def season_view(session: Session, urls: Urls, slug: str, now: datetime) -> SeasonView | None:
    """A season's page: its trailer playable, teasers playable, the rest by title only."""
    season = session.scalar(select(Season).where(Season.slug == slug))
    if season is None:
        return None
    query = (
        select(Episode)
        .where(Episode.season_id == season.id, published(now))
        .order_by(Episode.publish_at, Episode.id)
    )
    episodes = list(session.scalars(query))
    trailers = [e for e in episodes if e.episode_type == "trailer"]
    trailer = episode_view(trailers[-1], season, urls, True) if trailers else None
    listed = tuple(
        episode_view(e, season, urls, bool(e.teaser)) for e in episodes if e not in trailers
    )
    return SeasonView(
        slug=season.slug,
        title=season.title,
        description_html=notes_html(season.description),
        image_url=urls.artwork(season.image_key) or show_view(session, urls).cover_url,
        trailer=trailer,
        episodes=listed,
    )


def seasons_with_episodes(session: Session, now: datetime) -> list[tuple[str, str]]:
    """(slug, title) of every season that has a published episode, in season order."""
    query = (
        select(Season.slug, Season.title)
        .where(Season.id.in_(select(Episode.season_id).where(published(now))))
        .order_by(Season.number, Season.id)
    )
    return [(slug, title) for slug, title in session.execute(query)]
