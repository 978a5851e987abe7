"""`lovetv import feed`: move an existing podcast's episodes into a season.

The steps run in this order, and the first two change nothing:
1. read the old feed (`feeds.source`);
2. check it and plan: a locked feed, an unknown season or a `--teaser` GUID the feed does
   not have is refused in one line before any file is fetched; episodes imported before
   (by their old GUID) are skipped, so a run that stopped half-way simply continues;
3. import each remaining episode, oldest first: fetch its audio, chapters and transcript
   into a temporary folder and publish them through the normal pipeline
   (`publisher.catalog.publishing`), which tags, stores and records the episode all or
   nothing, under the GUID the old feed gave it;
4. with `--announce` only, email members "a new season is out" (a back catalogue is no news:
   without it nobody is emailed, as the feeds announce nothing older than 30 days).

One episode that cannot be imported (its audio is gone from the old host, or is not audio)
does not stop the others: it is reported, and the next run tries it again. A store or
database failure does stop the run: every following episode would fail the same way.
Chapters or a transcript that cannot be used are left out with a warning, never the
episode: they can be added later with `lovetv episode edit`.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from audio.chapters import ChapterError, check_chapters, parse_chapters
from audio.probe import AudioError, probe_audio
from audio.transcripts import TranscriptError, check_transcript
from feeds.notes import notes_text
from feeds.source import Link, SourceEpisode, SourceFeed, SourceFeedError, read_source_feed
from publisher.catalog.catalog import get_season, get_show
from publisher.catalog.field_limits import DESCRIPTION_MAX, column_length
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.errors import UserError
from publisher.imports.destinations import PUBLIC_ONLY, Destinations
from publisher.imports.fetching import check_reach, download, local_path, read_small
from publisher.models import Episode
from publisher.services import Services

GUID_MAX = column_length(Episode, "imported_guid")
TITLE_MAX = column_length(Episode, "title")
DEFAULT_TIMEOUT = 600.0  # seconds for one episode's audio
# The transcript formats the service serves (`audio.transcripts`), by the MIME types feeds
# give them: https://github.com/Podcastindex-org/podcast-namespace/blob/main/transcripts/transcripts.md
_TRANSCRIPT_TYPES = ("text/vtt", "application/x-subrip", "application/srt", "text/srt")


@dataclass(frozen=True)
class FeedImport:
    """What the producer asked for."""

    source: str  # a URL or a path
    season: str
    teasers: frozenset[str] = frozenset()
    timeout: float = DEFAULT_TIMEOUT
    announce: bool = False  # email members "a new season is out" (once per member and season)


class ImportProgress(Protocol):
    """Told how the import goes (the CLI prints lines and a download bar with it)."""

    def starting(self, episode: SourceEpisode, position: int, count: int) -> None: ...

    def downloaded(self, done: int, total: int | None) -> None: ...

    def warn(self, text: str) -> None: ...

    def failed(self, episode: SourceEpisode, why: str) -> None: ...


class QuietProgress:
    """Tells nobody: for callers that only want the result."""

    def starting(self, episode: SourceEpisode, position: int, count: int) -> None:
        pass

    def downloaded(self, done: int, total: int | None) -> None:
        pass

    def warn(self, text: str) -> None:
        pass

    def failed(self, episode: SourceEpisode, why: str) -> None:
        pass


@dataclass
class ImportResult:
    """What happened to each episode of the feed, by its old GUID."""

    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # imported by an earlier run
    without_audio: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (GUID, why)
    emailed: int = 0  # members queued "a new season is out" (only with --announce)

    def as_json(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "without_audio": self.without_audio,
            "failed": [{"guid": guid, "error": why} for guid, why in self.failed],
            "emailed": self.emailed,
        }


@dataclass(frozen=True)
class Planned:
    """One episode to import, with the number it will carry here."""

    source: SourceEpisode
    number: int | None
    teaser: bool


def import_feed(
    services: Services, request: FeedImport, progress: ImportProgress | None = None
) -> ImportResult:
    """Read, check and plan, then import each planned episode; see the module docstring."""
    allowed = services.config.import_allow_hosts
    feed = read_feed(request.source, allowed)
    result = ImportResult()
    progress = progress or QuietProgress()
    plan = plan_import(services, feed, request, result, progress)
    for position, planned in enumerate(plan, start=1):
        progress.starting(planned.source, position, len(plan))
        try:
            import_episode(services, request, planned, progress, allowed)
        except UserError as exc:
            result.failed.append((planned.source.guid, str(exc)))
            progress.failed(planned.source, str(exc))
        else:
            result.imported.append(planned.source.guid)
    if request.announce and result.imported:
        result.emailed = announce_import(services, request.season)
    return result


def announce_import(services: Services, slug: str) -> int:
    """Queue "a new season is out" to every member who can hear the season (once per member
    and season, as a publish would); how many were queued now."""
    from publisher.members.season_news import announce_season
    from publisher.models import utcnow

    with services.db.session() as session:
        return announce_season(session, services.config, get_season(session, slug), utcnow())


def read_feed(source: str, allowed: Destinations = PUBLIC_ONLY) -> SourceFeed:
    """The old feed, read from its URL or file (relative links resolve against either)."""
    path = local_path(source)
    base = path.resolve().as_uri() if path is not None else source
    data = read_small(source, "the feed", allowed=allowed)
    try:
        return read_source_feed(data, base)
    except SourceFeedError as exc:
        raise UserError(str(exc)) from None


def plan_import(
    services: Services,
    feed: SourceFeed,
    request: FeedImport,
    result: ImportResult,
    progress: ImportProgress,
) -> list[Planned]:
    """The episodes still to import, oldest first; refuse what cannot be imported at all."""
    warn = progress.warn
    if feed.locked:
        raise UserError(
            "the feed is locked (podcast:locked is yes): its owner asked hosts not to import "
            "it; unlock it where it is hosted now, then run this again"
        )
    episodes = _unique(feed.episodes, warn)
    unknown = sorted(request.teasers - {e.guid for e in episodes})
    if unknown:
        raise UserError(f"--teaser {unknown[0]!r}: the feed has no episode with that GUID")
    for episode in episodes:
        if len(episode.guid) > GUID_MAX:
            raise UserError(
                f"{episode.title!r} has a GUID of {len(episode.guid)} characters, at most "
                f"{GUID_MAX} can be kept: nothing was imported"
            )
    with services.db.session() as session:
        get_show(session)  # refused here once, rather than once per episode
        season = get_season(session, request.season)
        guids = [e.guid for e in episodes]
        done = set(
            session.scalars(select(Episode.imported_guid).where(Episode.imported_guid.in_(guids)))
        )
        # Our own episodes' GUIDs are public in our feeds: an old feed that reuses one would
        # give apps two items with one GUID, and every command that takes a GUID would act
        # on either of them.
        ours = set(session.scalars(select(Episode.guid).where(Episode.guid.in_(guids))))
        taken = set(
            session.scalars(
                select(Episode.number).where(
                    Episode.season_id == season.id, Episode.number.is_not(None)
                )
            )
        )
    plan: list[Planned] = []
    for episode in _oldest_first(episodes):
        if episode.guid in ours:
            why = (
                f"{episode.title!r} has the GUID of an episode already on this show: not "
                "imported (two episodes cannot share a GUID; give it another in the old feed)"
            )
            result.failed.append((episode.guid, why))
            progress.failed(episode, why)
        elif episode.audio is None:
            result.without_audio.append(episode.guid)
        elif episode.guid in done:
            result.skipped.append(episode.guid)
        else:
            number = _number(episode, taken, warn)
            plan.append(Planned(episode, number, episode.guid in request.teasers))
    return plan


def _unique(episodes: list[SourceEpisode], warn: Callable[[str], None]) -> list[SourceEpisode]:
    """One episode per GUID: apps showed a repeated GUID as one episode, the first listed."""
    seen: set[str] = set()
    kept: list[SourceEpisode] = []
    for episode in episodes:
        if episode.guid in seen:
            warn(f"{episode.title!r} repeats the GUID {episode.guid!r} of an earlier item: skipped")
            continue
        seen.add(episode.guid)
        kept.append(episode)
    return kept


def _oldest_first(episodes: list[SourceEpisode]) -> list[SourceEpisode]:
    """By date; undated items last, in their order from the bottom of the feed (its oldest)."""
    undated = datetime.max.replace(tzinfo=UTC)
    return sorted(reversed(episodes), key=lambda e: e.published or undated)


def _number(
    episode: SourceEpisode, taken: set[int | None], warn: Callable[[str], None]
) -> int | None:
    """The old feed's number when it is still free in the season; else none, said aloud."""
    if episode.number is None:
        return None
    if episode.number in taken:
        warn(
            f"{episode.title!r}: number {episode.number} is taken in the season, so it is "
            "imported without a number (lovetv episode edit GUID --number N sets one)"
        )
        return None
    taken.add(episode.number)
    return episode.number


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
