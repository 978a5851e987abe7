"""Rows to the plain values `feeds/` renders: which episodes a feed shows, and their URLs.

Only episodes whose time has come (`publish_at <= now`) and that are not unpublished ever
reach a renderer. Member URLs carry `TOKEN_PLACEHOLDER`; `publisher.listening.cache` puts the
token in per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from feeds.model import (
    TOKEN_PLACEHOLDER,
    AlternateEnclosure,
    Enclosure,
    EpisodeInfo,
    NoticeLinks,
    SeasonInfo,
    ShowInfo,
    Trailer,
    Transcript,
    VoicedNotice,
)
from publisher.listening.media_names import (
    CHAPTERS_SUFFIX,
    audio_extension,
    transcript_type,
    video_names,
)
from publisher.listening.notice_audio import NOTICE_AUDIO_LENGTH
from publisher.models import Episode, Season, Show

DEFAULT_COVER = "media/cover.png"
TEASER = "teaser"
_ARTWORK = (".png", ".jpg")


@dataclass(frozen=True)
class Urls:
    """Every public URL a feed names, from the configured base URL."""

    base: str

    def media(self, who: str, name: str) -> str:
        return f"{self.base}/media/{who}/{name}"

    def episode_page(self, guid: str) -> str:
        """A teaser episode's public page: what its items' `<link>` points to."""
        return f"{self.base}/episodes/{guid}"

    def season_page(self, slug: str) -> str:
        return f"{self.base}/seasons/{slug}"

    def season_feed(self, slug: str) -> str:
        """A season's private feed URL, with the token placeholder."""
        return f"{self.base}/feeds/{TOKEN_PLACEHOLDER}/{slug}.xml"

    def artwork(self, key: str | None) -> str | None:
        if key and key.lower().endswith(_ARTWORK):
            return f"{self.base}/artwork/{key}"
        return None

    def notice_links(
        self, contact_email: str, voiced: tuple[VoicedNotice, ...] = ()
    ) -> NoticeLinks:
        return NoticeLinks(
            voiced=voiced,
            join_url=f"{self.base}/",
            # The account page (sign-in by email), never a token-bearing billing link:
            # feed URLs live in apps, their cloud sync and logs.
            account_url=f"{self.base}/account",
            contact_email=contact_email,
            notice_audio_base=f"{self.base}/media/notice",
            notice_audio_length=NOTICE_AUDIO_LENGTH,
        )


def published(now: datetime) -> ColumnElement[bool]:
    """The SQL condition of an episode listeners may hear at `now`."""
    return (Episode.publish_at <= now) & Episode.unpublished_at.is_(None)


def public(now: datetime) -> ColumnElement[bool]:
    """Teaser episodes and trailers: all the public feed and `/media/teaser/` may name."""
    return published(now) & or_(Episode.teaser.is_(True), Episode.episode_type == "trailer")


def show_info(session: Session, urls: Urls) -> ShowInfo:
    """The show row as feeds describe it (sensible defaults before `lovetv show set`)."""
    show = session.get(Show, 1) or Show(id=1, title="Love TV", podcast_guid="lovetv-show")
    return ShowInfo(
        title=show.title,
        author=show.author or "",
        owner_email=show.owner_email or "",
        description=show.description or "",
        image_url=urls.artwork(show.image_key) or f"{urls.base}/{DEFAULT_COVER}",
        language=show.language or "en",
        category=show.category or "Health & Fitness",
        website=show.website or f"{urls.base}/",
        explicit=bool(show.explicit),
        podcast_guid=show.podcast_guid,
        join_url=f"{urls.base}/",
        name_in_title=bool(show.name_in_feed_title),
    )


def season_info(season: Season, urls: Urls) -> SeasonInfo:
    return SeasonInfo(
        slug=season.slug,
        title=season.title,
        number=season.number,
        description=season.description or "",
        image_url=urls.artwork(season.image_key),
        podcast_guid=season.podcast_guid,
        feed_url=urls.season_feed(season.slug),
    )


def episode_info(episode: Episode, season: Season, who: str, urls: Urls, link: str) -> EpisodeInfo:
    """One episode with its URLs under `/media/<who>/` (a token placeholder or `teaser`)."""
    name = episode.guid
    transcripts: tuple[Transcript, ...] = ()
    kind = transcript_type(episode.transcript_mime) if episode.transcript_key else None
    if kind is not None:
        transcripts = (Transcript(urls.media(who, f"{name}.transcript.{kind[1]}"), kind[0]),)
    enclosure, alternates = enclosures(episode, season, who, urls)
    return EpisodeInfo(
        guid=episode.imported_guid or episode.guid,  # apps know an imported one by its old GUID
        title=episode.title,
        description=episode.description or "",
        published=episode.publish_at,
        enclosure=enclosure,
        alternates=alternates,
        duration_seconds=round(episode.duration or 0),
        link=link,
        episode_type=episode.episode_type or "full",
        number=episode.number,
        season_number=season.number,
        season_title=season.title,
        image_url=urls.artwork(episode.image_key),
        chapters_url=urls.media(who, f"{name}.{CHAPTERS_SUFFIX}") if episode.chapters else None,
        transcripts=transcripts,
    )


def enclosures(
    episode: Episode, season: Season, who: str, urls: Urls
) -> tuple[Enclosure, tuple[AlternateEnclosure, ...]]:
    """The item's `<enclosure>` and its alternates: audio first, unless the season is
    video-first (`season edit --enclosure video`) and the episode has a video."""
    name = f"{episode.guid}.{audio_extension(episode.audio_key, episode.mime)}"
    audio = Enclosure(urls.media(who, name), episode.size, episode.mime)
    video = episode.video
    if not video or not episode.video_key:
        return audio, ()
    names = video_names(episode.guid)
    mp4 = Enclosure(urls.media(who, names["mp4"]), episode.video_size or 0, "video/mp4")
    video_first = season.enclosure == "video"
    as_audio = AlternateEnclosure(
        audio.url, audio.mime, "Audio", audio.length, episode.bitrate, default=not video_first
    )
    as_mp4 = AlternateEnclosure(
        mp4.url,
        mp4.mime,
        "Video",
        mp4.length,
        video.get("bitrate") or None,
        video["height"],
        video.get("codecs", ""),
        default=video_first,
    )
    top = video["renditions"][0]
    hls = AlternateEnclosure(
        urls.media(who, names["hls"]),
        "application/x-mpegURL",
        "Video (streaming)",
        bitrate=top["average_bandwidth"] or None,
        height=top["height"],
        codecs=top["codecs"],
    )
    if video_first:
        return mp4, (as_mp4, as_audio, hls)
    return audio, (as_audio, as_mp4, hls)


def season_episodes(session: Session, season: Season, now: datetime) -> list[Episode]:
    query = select(Episode).where(Episode.season_id == season.id, published(now))
    return list(session.scalars(query.order_by(Episode.publish_at.desc(), Episode.id.desc())))


def next_change(session: Session, now: datetime, season_id: int | None = None) -> datetime | None:
    """When the next scheduled episode (of one season, or a public one) comes out."""
    condition = (Episode.publish_at > now) & Episode.unpublished_at.is_(None)
    if season_id is None:
        condition &= or_(Episode.teaser.is_(True), Episode.episode_type == "trailer")
    else:
        condition &= Episode.season_id == season_id
    return session.scalar(select(func.min(Episode.publish_at)).where(condition))


def public_episodes(session: Session, now: datetime) -> list[tuple[Episode, Season]]:
    query = select(Episode, Season).join(Season, Season.id == Episode.season_id)
    query = query.where(public(now)).order_by(Episode.publish_at.desc(), Episode.id.desc())
    return [(e, s) for e, s in session.execute(query)]


def teaser_inputs(
    session: Session, urls: Urls, now: datetime
) -> tuple[list[EpisodeInfo], list[Trailer]]:
    """Teaser episodes as items, and each season's newest trailer as a `podcast:trailer`."""
    items: list[EpisodeInfo] = []
    trailers: dict[int, Trailer] = {}
    for episode, season in public_episodes(session, now):
        info = episode_info(episode, season, TEASER, urls, urls.episode_page(episode.guid))
        if episode.teaser:
            items.append(info)
        if episode.episode_type == "trailer" and season.id not in trailers:
            trailers[season.id] = Trailer(
                episode.title, episode.publish_at, info.enclosure, season.number
            )
    return items, list(trailers.values())
