"""The single query a member feed request makes: the season's stored feed and the token.

The all-seasons feed (`/feeds/<token>/all.xml`) has its own statement of the same shape:
its stored feed and the token, in one round trip.

One round trip answers both "which feed, and is my copy current?" and "whose token, and
may they listen?", so a 304 costs one indexed query and no XML. On PostgreSQL the row is
then kept by the worker until something it is read from changes (`hot_rows`), so a
repeated poll costs no round trip at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, literal, select

from auth.tokens import lookup_hash
from publisher.listening.cache import FeedState
from publisher.listening.hot_query import HotQuery
from publisher.listening.hot_rows import MISS, HotRows
from publisher.listening.invalidation import (
    ALL_SEASONS_FEED_KEY,
    TEASER_FEED_KEY,
    season_feed_key_sql,
)
from publisher.listening.listeners import LISTENER_COLUMNS, Listener, listener_from_row
from publisher.models import FeedToken, Member, RenderedFeed, Season

_FEED_COLUMNS = (RenderedFeed.etag, RenderedFeed.last_modified, RenderedFeed.valid_until)
# SQLite would look the key up by the primary key and then read the row, walking the body's
# overflow pages to the columns after it (1.3 ms a poll for a 1.2 MB feed): it is told to
# read the state from the covering index instead. PostgreSQL keeps large bodies out of line.
_JOIN = "LEFT OUTER JOIN rendered_feeds ON"
_JOIN_BY_STATE = "LEFT OUTER JOIN rendered_feeds INDEXED BY ix_rendered_feeds_state ON"


def _hot_query(engine: Engine, statement: Select[*tuple[Any, ...]]) -> HotQuery:
    query = HotQuery(engine, statement)
    if engine.dialect.name == "sqlite":
        assert query.sql.count(_JOIN) == 1, query.sql
        query.sql = query.sql.replace(_JOIN, _JOIN_BY_STATE)
    return query


_SEASON_REQUEST = (
    select(Season.id.label("season_id"), *_FEED_COLUMNS, *LISTENER_COLUMNS)
    .select_from(Season)
    .outerjoin(RenderedFeed, RenderedFeed.feed_key == season_feed_key_sql(Season.id))
    .outerjoin(FeedToken, FeedToken.lookup_hash == bindparam("lookup_hash"))
    .outerjoin(Member, Member.id == FeedToken.member_id)
    .where(Season.slug == bindparam("slug"))
)
_ALL_SEASONS_REQUEST = (
    select(*_FEED_COLUMNS, *LISTENER_COLUMNS)
    .select_from(FeedToken)
    .join(Member, Member.id == FeedToken.member_id)
    .outerjoin(RenderedFeed, RenderedFeed.feed_key == literal(ALL_SEASONS_FEED_KEY))
    .where(FeedToken.lookup_hash == bindparam("lookup_hash"))
)
_TEASER_STATE = select(*_FEED_COLUMNS).where(RenderedFeed.feed_key == TEASER_FEED_KEY)


@dataclass(frozen=True)
class SeasonRequest:
    season_id: int | None  # None: the all-seasons feed
    state: FeedState
    listener: Listener | None  # None: the token is unknown


class SeasonRequests:
    """Answers `season_request` with one compiled statement per worker."""

    def __init__(self, engine: Engine, secret: str) -> None:
        self.query = _hot_query(engine, _SEASON_REQUEST)
        self.all_seasons_query = _hot_query(engine, _ALL_SEASONS_REQUEST)
        self.secret = secret
        self.rows = HotRows(engine)

    def _first(self, query: HotQuery, **params: str) -> dict[str, Any] | None:
        """The statement's row, from this worker's kept rows when they are current."""
        key = (id(query), *params.values())
        row = self.rows.get(key)
        if row is not MISS and (row is None or _still_fresh(row)):
            return row
        generation = self.rows.generation()
        row = query.first(**params)
        if row is None or row["etag"] is not None:  # a feed to render is not kept
            self.rows.put(key, row, generation)
        return row

    def find(self, slug: str, token: str) -> SeasonRequest | None:
        """The season called `slug` and whoever holds `token`; None if no such season."""
        row = self._first(self.query, slug=slug, lookup_hash=lookup_hash(token))
        if row is None:
            return None
        state = FeedState(row["etag"], row["last_modified"], row["valid_until"])
        return SeasonRequest(row["season_id"], state, listener_from_row(row, self.secret, token))

    def find_all_seasons(self, token: str) -> SeasonRequest | None:
        """The all-seasons feed's state and whoever holds `token`; None for an unknown token."""
        row = self._first(self.all_seasons_query, lookup_hash=lookup_hash(token))
        if row is None:
            return None
        state = FeedState(row["etag"], row["last_modified"], row["valid_until"])
        return SeasonRequest(None, state, listener_from_row(row, self.secret, token))


def _still_fresh(row: dict[str, Any]) -> bool:
    """A kept row whose feed has a scheduled episode due is read again (and re-rendered)."""
    valid_until = row["valid_until"]
    return valid_until is None or valid_until > datetime.now(UTC)


def teaser_state(conn: Connection) -> FeedState:
    row = conn.execute(_TEASER_STATE).first()
    return FeedState(*row) if row is not None else FeedState(None, None, None)
