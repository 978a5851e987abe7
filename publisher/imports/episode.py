"""One planned episode of `lovetv import feed`: fetch its files and publish them.

Its audio, chapters and transcript are fetched into a temporary folder and published through
the normal pipeline (`publisher.catalog.publishing`), which tags, stores and records the
episode all or nothing, under the GUID the old feed gave it. Chapters or a transcript that
cannot be used are left out with a warning, never the episode: they can be added later with
`lovetv episode edit`.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from audio.chapters import ChapterError, check_chapters, parse_chapters
from audio.probe import AudioError, probe_audio
from audio.transcripts import TranscriptError, check_transcript
from feeds.notes import notes_text
from feeds.source import Link, SourceEpisode
from publisher.catalog.field_limits import DESCRIPTION_MAX, column_length
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.errors import UserError
from publisher.imports.destinations import PUBLIC_ONLY, Destinations
from publisher.imports.fetching import check_reach, download, read_small
from publisher.imports.plan import FeedImport, ImportProgress, Planned
from publisher.models import Episode
from publisher.services import Services

TITLE_MAX = column_length(Episode, "title")
# The transcript formats the service serves (`audio.transcripts`), by the MIME types feeds
# give them: https://github.com/Podcastindex-org/podcast-namespace/blob/main/transcripts/transcripts.md
_TRANSCRIPT_TYPES = ("text/vtt", "application/x-subrip", "application/srt", "text/srt")


def import_episode(
    services: Services,
    request: FeedImport,
    planned: Planned,
    progress: ImportProgress,
    allowed: Destinations = PUBLIC_ONLY,
) -> None:
    """Fetch one episode's files and publish them, all or nothing, under its old GUID."""
    source = planned.source
    assert source.audio is not None  # planned episodes have audio
    warn = progress.warn
    check_reach(request.source, source.audio.url)
    with tempfile.TemporaryDirectory(prefix="lovetv-import-") as folder:
        workdir = Path(folder)
        audio = download(
            source.audio.url,
            workdir / f"audio{_extension(source.audio)}",
            request.timeout,
            progress.downloaded,
            allowed,
        )
        duration = _duration(source.audio.url, audio)
        draft = EpisodeDraft(
            season=request.season,
            audio=audio,
            title=_title(source),
            number=planned.number,
            description=_notes(source, warn),
            chapters=_chapters(request.source, source, workdir, duration, warn, allowed),
            transcript=_transcript(request.source, source, workdir, warn, allowed),
            teaser=planned.teaser,
            publish_at=source.published,
            episode_type=source.episode_type,
            imported_guid=source.guid,
            auto_number=False,
            announce=False,  # a back catalogue is no news; --announce emails once at the end
        )
        publish_episode(services, draft)


def _duration(url: str, path: Path) -> float:
    """The episode's length, to check its chapters: of its audio, or of its video (a
    `video/mp4` enclosure, which the publish turns into a video episode)."""
    from audio.video_jobs import inspect
    from audio.video_probe import VideoError, looks_like_video

    try:
        if looks_like_video(path):
            return inspect(path).duration
        return probe_audio(path).duration
    except (AudioError, VideoError) as exc:
        raise UserError(f"{url}: {exc}") from None


def _extension(audio: Link) -> str:
    """The old file's extension (mutagen and the probe read the content, not the name)."""
    suffix = Path(unquote(urlsplit(audio.url).path)).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".audio"


def _title(source: SourceEpisode) -> str:
    if source.title:
        return source.title[:TITLE_MAX]
    assert source.audio is not None
    return Path(unquote(urlsplit(source.audio.url).path)).stem or source.guid[:TITLE_MAX]


def _notes(source: SourceEpisode, warn: Callable[[str], None]) -> str:
    """The old notes as the pipeline stores notes: HTML inside one block, so Markdown leaves
    it alone (an indented line would otherwise become a code block). Apple shows 4,000
    characters: longer notes keep their text without the markup, cut if still too long."""
    lines = [line.strip() for line in source.notes_html.splitlines() if line.strip()]
    notes = "<div>\n" + "\n".join(lines) + "\n</div>" if lines else ""
    if len(notes) <= DESCRIPTION_MAX:
        return notes
    text = notes_text(notes)
    if len(text) > DESCRIPTION_MAX:
        text = text[: DESCRIPTION_MAX - 1].rstrip() + "…"
        warn(f"{source.title!r}: the notes were cut to Apple's 4,000 characters")
    else:
        warn(f"{source.title!r}: the notes are kept as plain text (with links they are too long)")
    return text


def _chapters(
    feed: str,
    source: SourceEpisode,
    workdir: Path,
    duration: float,
    warn: Callable[[str], None],
    allowed: Destinations,
) -> Path | None:
    """The episode's chapters as a file the pipeline reads, or None (with a warning)."""
    try:
        if source.inline_chapters:
            text = "\n".join(f"{_clock(start)} {title}" for start, title in source.inline_chapters)
        elif source.chapters is not None:
            check_reach(feed, source.chapters.url)
            raw = read_small(source.chapters.url, "the chapters", allowed=allowed)
            text = raw.decode("utf-8")
        else:
            return None
        check_chapters(parse_chapters(text, "chapters"), duration)
    except (UserError, ChapterError, UnicodeDecodeError) as exc:
        warn(f"{source.title!r}: imported without chapters ({exc})")
        return None
    path = workdir / "chapters.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _clock(start: str) -> str:
    """A Podlove start time (`1:02.5`, `00:01:02.500` or plain seconds) as `H:MM:SS.s`."""
    if ":" in start:
        return start
    seconds = float(start)
    return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def _transcript(
    feed: str,
    source: SourceEpisode,
    workdir: Path,
    warn: Callable[[str], None],
    allowed: Destinations,
) -> Path | None:
    """The first SRT or WebVTT transcript the item lists, as a file; None if it has none."""
    usable = [t for t in source.transcripts if t.mime in _TRANSCRIPT_TYPES]
    if not usable:
        if source.transcripts:
            kinds = ", ".join(sorted({t.mime or "unnamed" for t in source.transcripts}))
            warn(f"{source.title!r}: imported without its transcript ({kinds}: not SRT or WebVTT)")
        return None
    try:
        check_reach(feed, usable[0].url)
        data = read_small(usable[0].url, "the transcript", allowed=allowed)
        transcript = check_transcript(data, "the transcript")
    except (UserError, TranscriptError) as exc:
        warn(f"{source.title!r}: imported without its transcript ({exc})")
        return None
    path = workdir / f"transcript.{transcript.extension}"
    path.write_bytes(data)
    return path
