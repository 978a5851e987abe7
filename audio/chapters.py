"""Episode chapters: read from a producer's file, checked against the audio's length.

Two inputs are accepted: the Podcasting 2.0 JSON chapters format
(https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/examples/chapters/jsonChapters.md)
and a plain text file of one `HH:MM:SS Title` line per chapter, the form producers
already paste into show notes. Both become the same list of `Chapter`s.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON_CHAPTERS_VERSION = "1.2.0"

# "1:02:03 Title", "01:02:03.5 Title" or "02:03 Title" (minutes and seconds).
_TEXT_LINE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\s+(\S.*)$")


class ChapterError(ValueError):
    """The chapters file cannot be used; the message is one plain line."""


@dataclass(frozen=True)
class Chapter:
    """One chapter: where it starts (seconds from the beginning) and what it is called."""

    start: float
    title: str
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The chapter as one entry of a Podcasting 2.0 JSON chapters file."""
        entry: dict[str, Any] = {"startTime": _plain_number(self.start), "title": self.title}
        if self.url:
            entry["url"] = self.url
        return entry


def parse_chapters(text: str, name: str = "chapters") -> list[Chapter]:
    """Read JSON or text chapters; the JSON form is recognised by its opening brace."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ChapterError(f"{name} is empty")
    is_json = text.lstrip().startswith("{")
    chapters = _parse_json(text, name) if is_json else _parse_text(text, name)
    if not chapters:
        raise ChapterError(f"{name} lists no chapters")
    return chapters


def read_chapters(path: Path, duration: float) -> list[Chapter]:
    """Read a chapters file and check it against an episode of `duration` seconds."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ChapterError(f"{path.name} is not UTF-8 text") from None
    chapters = parse_chapters(text, path.name)
    check_chapters(chapters, duration, path.name)
    return chapters


def check_chapters(chapters: list[Chapter], duration: float, name: str = "chapters") -> None:
    """Refuse chapters out of order, at the same time, or starting past the end of the audio."""
    previous: Chapter | None = None
    for chapter in chapters:
        if chapter.start >= duration:
            raise ChapterError(
                f"{name}: chapter {chapter.title!r} starts at {format_time(chapter.start)}, "
                f"past the end of the audio ({format_time(duration)})"
            )
        if previous is not None and chapter.start == previous.start:
            raise ChapterError(
                f"{name}: chapters {previous.title!r} and {chapter.title!r} both start at "
                f"{format_time(chapter.start)}"
            )
        if previous is not None and chapter.start < previous.start:
            raise ChapterError(
                f"{name}: chapter {chapter.title!r} ({format_time(chapter.start)}) comes after "
                f"{previous.title!r} ({format_time(previous.start)}): list chapters in time order"
            )
        previous = chapter


def chapters_document(chapters: list[dict[str, Any]] | list[Chapter]) -> dict[str, Any]:
    """The JSON chapters file a feed links to, from stored entries or `Chapter`s."""
    entries = [c.as_json() if isinstance(c, Chapter) else dict(c) for c in chapters]
    return {"version": JSON_CHAPTERS_VERSION, "chapters": entries}


def format_time(seconds: float) -> str:
    """`HH:MM:SS` (with milliseconds when they are not zero), as producers write times."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{millis:03d}" if millis else text


def _parse_json(text: str, name: str) -> list[Chapter]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChapterError(f"{name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    entries = document.get("chapters") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ChapterError(f'{name} has no "chapters" list (Podcasting 2.0 JSON chapters)')
    chapters = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ChapterError(f"{name}: chapter {index} is not an object")
        start = entry.get("startTime")
        title = entry.get("title")
        if isinstance(start, bool) or not isinstance(start, int | float) or start < 0:
            raise ChapterError(f'{name}: chapter {index} needs a "startTime" in seconds')
        if not isinstance(title, str) or not title.strip():
            raise ChapterError(f'{name}: chapter {index} needs a "title"')
        url = entry.get("url") if isinstance(entry.get("url"), str) else None
        chapters.append(Chapter(start=float(start), title=title.strip(), url=url))
    return chapters


def _parse_text(text: str, name: str) -> list[Chapter]:
    chapters = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _TEXT_LINE.match(line.strip())
        if match is None:
            raise ChapterError(
                f"{name} line {number}: expected `HH:MM:SS Title`, got {line.strip()[:40]!r}"
            )
        hours, minutes, seconds, title = match.groups()
        if (hours is not None and int(minutes) >= 60) or float(seconds) >= 60:
            raise ChapterError(f"{name} line {number}: {line.split()[0]} is not a valid time")
        start = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        chapters.append(Chapter(start=start, title=title.strip()))
    return chapters


def _plain_number(value: float) -> int | float:
    """Whole seconds as integers, as the spec's examples write them."""
    return int(value) if float(value).is_integer() else value
