"""What an episode's tags say, whatever the audio format they are written into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from audio.artwork import Artwork
from audio.chapters import Chapter

# The genre every format's tags give: apps file the episode under podcasts.
GENRE = "Podcast"


@dataclass(frozen=True)
class EpisodeTags:
    """What the tags say: the episode's own details and those of its show and season."""

    title: str
    artist: str
    album: str
    released: datetime
    track: int | None = None
    description: str = ""
    cover: Artwork | None = None
    chapters: tuple[Chapter, ...] = field(default_factory=tuple)
