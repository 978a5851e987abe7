"""What a publish or an edit is asked for, and the checks both make before storing anything.

The draft (a new episode) and the edit (changes to one) are checked by the same functions,
so a title, type, number or publish time refused by one is refused, in the same words, by
the other. Plain values and checks shared by the publish and edit steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio.artwork import Artwork, check_artwork
from audio.chapters import Chapter
from audio.probe import AudioInfo
from audio.storage import Storage
from audio.tagging import EpisodeTags
from audio.transcripts import Transcript
from publisher.catalog.field_limits import check_number, check_text
from publisher.catalog.video import VideoSource
from publisher.errors import UserError
from publisher.models import Episode, Season

# Apple's itunes:episodeType values:
# https://help.apple.com/itc/podcasts_connect/#/itcb54353390
EPISODE_TYPES = ("full", "trailer", "bonus")


class UploadProgress(Protocol):
    """Told how the audio upload goes (the CLI draws a progress bar with it)."""

    def begin(self, total: int) -> None: ...

    def advance(self, done: int) -> None: ...


@dataclass(frozen=True)
class EpisodeDraft:
    """What the producer asked to publish."""

    season: str
    audio: Path
    title: str
    number: int | None = None
    description: str = ""
    chapters: Path | None = None
    transcript: Path | None = None
    image: Path | None = None
    teaser: bool = False
    publish_at: datetime | None = None
    episode_type: str = "full"
    # An episode moved in from another feed keeps the GUID apps know it by, and keeps no
    # number if it had none (a new episode without --number takes the season's next one).
    imported_guid: str | None = None
    auto_number: bool = True
    # A season's first episode emails members "a new season is out"; an import does not.
    announce: bool = True
    # A video whose MP4 and HLS go beside `audio` (a studio mix); without it, `audio` may
    # itself be the video. `renditions` are lower HLS heights encoded from it.
    video: Path | None = None
    renditions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Inputs:
    """The draft's files, read and checked before anything is stored.

    `audio` is None only while a video that gives the audio is not packaged yet.
    """

    audio: AudioInfo | None
    chapters: list[Chapter] = field(default_factory=list)
    transcript: Transcript | None = None
    image: Artwork | None = None
    video: VideoSource | None = None


@dataclass(frozen=True)
class Placement:
    """Where the episode goes, worked out from the database before any upload."""

    season_id: int
    number: int | None
    tags: EpisodeTags


@dataclass(frozen=True)
class EpisodeEdit:
    """What the producer asked to change in a published episode; None leaves it as it is."""

    title: str | None = None
    description: str | None = None
    number: int | None = None
    episode_type: str | None = None
    teaser: bool | None = None
    publish_at: datetime | None = None
    chapters: Path | None = None
    transcript: Path | None = None
    image: Path | None = None
    audio: Path | None = None
    video: Path | None = None
    renditions: tuple[int, ...] = ()
    # Lift an unpublish in the same transaction (`lovetv episode republish --publish-at`).
    republish: bool = False

    def is_empty(self) -> bool:
        flags = ("republish", "renditions")
        return all(getattr(self, f.name) is None for f in fields(self) if f.name not in flags)


@dataclass(frozen=True)
class EditInputs:
    """The edit's new files, read and checked before anything is stored."""

    audio: AudioInfo | None
    chapters: list[Chapter] | None
    transcript: Transcript | None
    image: Artwork | None
    video: VideoSource | None = None


def check_episode_fields(
    title: str | None, description: str | None, episode_type: str | None, number: int | None
) -> None:
    """Refuse what no episode may have; None is a detail not given (an edit leaves it)."""
    if title is not None and not title.strip():
        raise UserError("an episode needs a title (--title)")
    if episode_type is not None and episode_type not in EPISODE_TYPES:
        raise UserError(f"unknown episode type {episode_type!r} (use {', '.join(EPISODE_TYPES)})")
    if number is not None and number < 1:
        raise UserError("episode numbers start at 1 (--number)")
    check_number(number, "the episode number", "--number")
    check_text(title.strip() if title else None, Episode, "title", "the title", "--title")
    check_text(description, Episode, "description", "the show notes", "--description/--notes")


def in_utc(when: datetime | None) -> datetime | None:
    """A publish time as stored: a time without an offset is taken as UTC."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def refuse_taken_number(
    session: Session, season: Season, number: int, episode_id: int | None = None
) -> None:
    """Refuse a number another episode of the season has (`episode_id` is the one edited)."""
    query = select(Episode).where(Episode.season_id == season.id, Episode.number == number)
    if episode_id is not None:
        query = query.where(Episode.id != episode_id)
    taken = session.scalar(query)
    if taken is not None:
        raise UserError(
            f"season {season.slug!r} already has episode {number} ({taken.title!r}): "
            "choose another --number"
        )


def stored_cover(storage: Storage, key: str | None) -> Artwork | None:
    """The season's or show's artwork, to embed when the episode brings none of its own."""
    if key is None:
        return None
    try:
        return check_artwork(storage.get_bytes(key), key)
    except (FileNotFoundError, ValueError):
        return None  # a missing or changed image must not stop a publish or an edit
