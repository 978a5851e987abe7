"""Episode transcripts: SRT or WebVTT files, recognised by their content and kept as sent.

The Podcasting 2.0 `<podcast:transcript>` tag names the file's type; its spec lists
`text/vtt` for WebVTT and `application/x-subrip` (also `application/srt`) for SRT:
https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/tags/transcript.md
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# A transcript of a long episode is a few hundred kilobytes; more is not a transcript.
MAX_BYTES = 10 * 1024 * 1024

SRT_MIME = "application/x-subrip"
VTT_MIME = "text/vtt"

# SRT cue timings use a comma before the milliseconds; WebVTT uses a dot.
_SRT_TIMING = re.compile(r"^\d{1,2}:\d{2}:\d{2},\d{3}\s+-->\s+\d{1,2}:\d{2}:\d{2},\d{3}", re.M)
_VTT_TIMING = re.compile(r"^(?:\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d+:)?\d{2}:\d{2}\.\d{3}", re.M)


class TranscriptError(ValueError):
    """The transcript cannot be used; the message is one plain line."""


@dataclass(frozen=True)
class Transcript:
    """A checked transcript: its bytes, type and file extension."""

    data: bytes
    mime: str
    extension: str


def read_transcript(path: Path) -> Transcript:
    """Load a transcript file and tell SRT from WebVTT by its content."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TranscriptError(f"{path.name}: no such file") from None
    if size > MAX_BYTES:
        raise TranscriptError(f"{path.name} is larger than 10 MB: is it really a transcript?")
    return check_transcript(path.read_bytes(), path.name)


def check_transcript(data: bytes, name: str = "transcript") -> Transcript:
    """Recognise SRT or WebVTT text with at least one cue."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TranscriptError(
            f"{name} is not UTF-8 text (save it as UTF-8 SRT or WebVTT)"
        ) from None
    text = text.replace("\r\n", "\n")
    if text.startswith("WEBVTT"):
        if not _VTT_TIMING.search(text):
            raise TranscriptError(f"{name} is a WebVTT file without any cues")
        return Transcript(data=data, mime=VTT_MIME, extension="vtt")
    if _SRT_TIMING.search(text):
        return Transcript(data=data, mime=SRT_MIME, extension="srt")
    raise TranscriptError(
        f"{name} is neither SRT nor WebVTT (a WebVTT file starts with WEBVTT; "
        "SRT cues look like 00:00:01,000 --> 00:00:04,000)"
    )
