"""What a publish is asked for and what it works out before storing anything: the draft,
its checked inputs and where the episode goes. Plain values shared by the publish steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from audio.artwork import Artwork
from audio.chapters import Chapter
from audio.probe import AudioInfo
from audio.tagging import EpisodeTags
from audio.transcripts import Transcript
from publisher.catalog.video import VideoSource


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
