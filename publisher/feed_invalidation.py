"""Telling the feed cache that what a feed shows has changed.

Feeds are rendered once per change and kept in `rendered_feeds`, shared by every worker.
Whatever changes a season (publish, unpublish, edit) or the show calls one of these in the
same transaction, so the next request anywhere renders afresh.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from publisher.models import RenderedFeed

TEASER_FEED_KEY = "teaser"


def season_feed_key(season_id: int) -> str:
    return f"season:{season_id}"


def season_changed(session: Session, season_id: int) -> None:
    """A season's episodes or details changed: its feed and the teaser feed are stale."""
    session.execute(
        delete(RenderedFeed).where(
            RenderedFeed.feed_key.in_([season_feed_key(season_id), TEASER_FEED_KEY])
        )
    )


def show_changed(session: Session) -> None:
    """The show's details appear in every feed: all of them are stale."""
    session.execute(delete(RenderedFeed))
