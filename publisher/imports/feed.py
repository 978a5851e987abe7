"""`lovetv import feed`: move an existing podcast's episodes into a season.

The steps run in this order, and the first two change nothing:
1. read the old feed (`feeds.source`);
2. check it and plan (`plan`): a locked feed, an unknown season or a `--teaser` GUID the
   feed does not have is refused in one line before any file is fetched; episodes imported
   before (by their old GUID) are skipped, so a run that stopped half-way simply continues;
3. import each remaining episode, oldest first (`episode`): fetch its audio, chapters and
   transcript into a temporary folder and publish them through the normal pipeline
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

from feeds.source import SourceFeed, SourceFeedError, read_source_feed
from publisher.catalog.seasons import get_season
from publisher.errors import UserError
from publisher.imports.destinations import PUBLIC_ONLY, Destinations
from publisher.imports.episode import import_episode
from publisher.imports.fetching import local_path, read_small
from publisher.imports.plan import (
    FeedImport,
    ImportProgress,
    ImportResult,
    QuietProgress,
    plan_import,
)
from publisher.services import Services

__all__ = ["FeedImport", "ImportProgress", "ImportResult", "import_feed", "read_feed"]


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
