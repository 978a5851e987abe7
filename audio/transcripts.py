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


@dataclass(frozen=True)
class Cue:
    """One timed line of a transcript: when it starts (seconds) and what is said."""

    start: float
    text: str


# A cue's timing line in either format: start, arrow, end (SRT ',' or WebVTT '.' millis).
_TIMING_LINE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})\s+-->\s+\S+.*$")
_TAG = re.compile(r"<[^>]*>")


def transcript_cues(data: bytes) -> list[Cue]:
    """The cues of an SRT or WebVTT transcript in order, their text without markup.

    Blocks are separated by blank lines; a block's first timing line starts the cue and the
    lines after it are its text (cue numbers, NOTE and STYLE blocks carry no timing line).
    """
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    cues = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip().split("\n")
        for index, line in enumerate(lines):
            timing = _TIMING_LINE.match(line.strip())
            if timing is None:
                continue
            hours, minutes, seconds, millis = (int(g or 0) for g in timing.groups())
            words = " ".join(_TAG.sub("", t).strip() for t in lines[index + 1 :]).strip()
            if words:
                start = hours * 3600 + minutes * 60 + seconds + millis / 1000
                cues.append(Cue(start, words))
            break
    return sorted(cues, key=lambda c: c.start)


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
