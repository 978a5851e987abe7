"""The audio core's refusals, said to the producer as one-line errors.

The cores refuse unusable files with `ValueError`s of their own; every catalog command that
reads a file the producer gave turns exactly those into `UserError`s, and lets any other
error (a bug) through as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import UserError

if TYPE_CHECKING:
    from audio.artwork import Artwork


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
