"""Telling the feed cache that what a feed shows has changed.

Feeds are rendered once per change and kept in `rendered_feeds`, shared by every worker.
Whatever changes a season (publish, unpublish, edit) or the show calls one of these in the
same transaction, so the next request anywhere renders afresh.

Each change also bumps the season's `revision` (first, so the season row is locked before
the stored feed is deleted): a render that read an older revision then finds it changed
when it comes to store its result, and drops it (`publisher.listening.cache.store_rendered`),
instead of keeping a stale feed until the season's next change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast, delete, literal, update
from sqlalchemy.orm import Session

from publisher.models import RenderedFeed, Season

TEASER_FEED_KEY = "teaser"
# Every member's all-seasons feed (`publisher.listening.all_seasons`): deleted with the rest.
ALL_SEASONS_FEED_KEY = "all-seasons"
SEASON_KEY_PREFIX = "season:"


def season_feed_key(season_id: int) -> str:
    return f"{SEASON_KEY_PREFIX}{season_id}"


def season_feed_key_sql(season_id: Any) -> ColumnElement[str]:
    """`season_feed_key` as a SQL expression over a season id column (one key format)."""
    return literal(SEASON_KEY_PREFIX) + cast(season_id, String)


def season_changed(session: Session, season_id: int) -> None:
    """A season's episodes or details changed: every feed is stale.

    Its own feed and the teaser show its episodes; every other season's feed announces it
    once its first episode is out and names it in `podcast:podroll` (feed_rendering), so
    those are re-rendered too (one render per season, never per member). The season's own
    row is updated first, as before, so a concurrent change of it waits here.
    """
    session.execute(
        update(Season).where(Season.id == season_id).values(revision=Season.revision + 1)
    )
    session.execute(
        update(Season).where(Season.id != season_id).values(revision=Season.revision + 1)
    )
    session.execute(delete(RenderedFeed))


def show_changed(session: Session) -> None:
    """The show's details appear in every feed: all of them are stale."""
    session.execute(update(Season).values(revision=Season.revision + 1))
    session.execute(delete(RenderedFeed))
