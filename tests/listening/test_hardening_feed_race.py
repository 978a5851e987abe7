"""A render that raced a change never stores a stale feed: the season revision decides."""

from __future__ import annotations

from sqlalchemy import select

from publisher.db import Database
from publisher.listening.cache import store_rendered
from publisher.listening.inputs import Urls
from publisher.listening.invalidation import (
    TEASER_FEED_KEY,
    season_changed,
    season_feed_key,
    season_feed_key_sql,
    show_changed,
)
from publisher.listening.rendering import render_season, render_teaser
from publisher.models import RenderedFeed, Season, utcnow

URLS = Urls("http://podcasts.lovetv.test")


def a_season(database: Database) -> int:
    from support.catalog_factory import make_season, make_show

    with database.session() as session:
        make_show(session)
        return make_season(session).id


def stored(database: Database, key: str) -> RenderedFeed | None:
    with database.session() as session:
        return session.get(RenderedFeed, key)


def test_a_render_that_read_before_a_change_is_not_stored_after_it(database: Database) -> None:
    season_id = a_season(database)
    key = season_feed_key(season_id)
    with database.session() as session:
        stale = render_season(session, season_id, URLS, utcnow())
    assert stale is not None
    with database.session() as session:  # a publish commits between render and store
        season_changed(session, season_id)
    store_rendered(database, key, stale, utcnow())
    assert stored(database, key) is None
    with database.session() as session:
        fresh = render_season(session, season_id, URLS, utcnow())
    assert fresh is not None and fresh.revision == stale.revision + 1
    store_rendered(database, key, fresh, utcnow())
    assert stored(database, key) is not None


def test_the_teaser_render_is_guarded_by_every_seasons_revision(database: Database) -> None:
    a_season(database)
    with database.session() as session:
        stale = render_teaser(session, URLS, utcnow())
    with database.session() as session:
        show_changed(session)
    store_rendered(database, TEASER_FEED_KEY, stale, utcnow())
    assert stored(database, TEASER_FEED_KEY) is None
    with database.session() as session:
        fresh = render_teaser(session, URLS, utcnow())
    store_rendered(database, TEASER_FEED_KEY, fresh, utcnow())
    assert stored(database, TEASER_FEED_KEY) is not None


def test_a_change_deletes_what_an_earlier_render_stored(database: Database) -> None:
    season_id = a_season(database)
    key = season_feed_key(season_id)
    with database.session() as session:
        rendered = render_season(session, season_id, URLS, utcnow())
    assert rendered is not None
    store_rendered(database, key, rendered, utcnow())
    assert stored(database, key) is not None
    with database.session() as session:
        season_changed(session, season_id)
    assert stored(database, key) is None


def test_the_sql_season_key_is_the_python_one(database: Database) -> None:
    season_id = a_season(database)
    with database.session() as session:
        in_sql = session.scalar(
            select(season_feed_key_sql(Season.id)).where(Season.id == season_id)
        )
    assert in_sql == season_feed_key(season_id)
