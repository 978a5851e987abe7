"""What `lovetv import feed` is asked to do, and the plan it makes before fetching anything.

Planning changes nothing: a locked feed, a `--teaser` GUID the feed does not have or a GUID
too long to keep is refused in one line; episodes imported before (by their old GUID) are
skipped, so a run that stopped half-way simply continues; the rest are imported oldest
first, each with its old number when that number is still free in the season.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select

from feeds.source import SourceEpisode, SourceFeed
from publisher.catalog.field_limits import column_length
from publisher.catalog.seasons import get_season
from publisher.catalog.show import get_show
from publisher.errors import UserError
from publisher.models import Episode
from publisher.services import Services

GUID_MAX = column_length(Episode, "imported_guid")
DEFAULT_TIMEOUT = 600.0  # seconds for one episode's audio


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
