"""How feeds are served: caching per change, scheduling, 304s, gzip, the teaser feed.

Storage- and database-independent behaviour, so these run on SQLite and a local folder.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from support.apps import built_app
from support.catalog_factory import make_episode, make_member
from support.clock import Clock
from support.feed_checks import parse_feed
from support.service_env import TEST_SECRET, service_env

from publisher.config import load_config
from publisher.db import Database
from publisher.listening.cache import body_etag, store_rendered
from publisher.listening.invalidation import season_changed, season_feed_key
from publisher.listening.rendering import Rendered
from publisher.models import Member, RenderedFeed, utcnow
from publisher.services import services_of

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


@pytest.fixture
def app(sqlite_url: str, local_storage_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = service_env(sqlite_url, local_storage_url)
    yield from built_app(load_config(environ=env, instance_path=tmp_path / "i"))


def titles(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["title"] for e in parse_feed(response.data).gpodder["episodes"]]


def test_unknown_token_or_season_is_404_without_echoing_the_token(client, catalog) -> None:
    for path in (
        catalog.feed_path("x" * 32),
        catalog.feed_path("short"),
        catalog.feed_path(slug="nope"),
    ):
        response = client.get(path)
        assert response.status_code == 404 and catalog.token.encode() not in response.data
    assert client.get(f"/media/{'y' * 32}/{catalog.first.guid}.mp3").status_code == 404


def test_conditional_requests_get_304_by_etag_and_by_date(client, catalog) -> None:
    first = client.get(catalog.feed_path())
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and catalog.token not in etag
    assert client.get(catalog.feed_path(), headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get(catalog.feed_path(), headers={"If-Modified-Since": modified}).status_code == 304
    )
    assert client.get(catalog.feed_path(), headers={"If-None-Match": '"other"'}).status_code == 200


def test_gzip_is_given_when_asked(client, catalog) -> None:
    plain = client.get(catalog.feed_path())
    zipped = client.get(catalog.feed_path(), headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data


def test_a_feed_is_rendered_once_per_change_of_the_season(app, client, catalog, mp3_file) -> None:
    services = services_of(app)
    client.get(catalog.feed_path())
    with services.db.session() as session:
        stored = session.get(RenderedFeed, season_feed_key(catalog.season.id))
        assert stored is not None and b"@@LOVETV_TOKEN@@" in stored.body
        stored.body = stored.body.replace(b"Opening up", b"Opening UP")  # marks this render
        stored.etag = "marked"
    assert "Opening UP" in titles(client.get(catalog.feed_path()))  # served, not re-rendered
    with services.db.session() as session:
        make_episode(session, services.storage, catalog.season, mp3_file, title="Brand new")
        season_changed(session, catalog.season.id)
    fresh = titles(client.get(catalog.feed_path()))
    assert "Brand new" in fresh and "Opening up" in fresh


def test_scheduled_episode_appears_when_its_time_comes(
    app, client, catalog, mp3_file, clock: Clock
) -> None:
    services = services_of(app)
    due = clock.now + timedelta(hours=1)
    with services.db.session() as session:
        soon = make_episode(
            session, services.storage, catalog.season, mp3_file, title="Soon", publish_at=due
        )
        season_changed(session, catalog.season.id)
    audio = f"/media/{catalog.token}/{soon.guid}.mp3"
    assert "Soon" not in titles(client.get(catalog.feed_path()))
    clock.now = due - timedelta(microseconds=1)
    assert "Soon" not in titles(client.get(catalog.feed_path()))
    assert client.get(audio).status_code == 404
    clock.now = due  # no publish, no edit: only time passed
    assert "Soon" in titles(client.get(catalog.feed_path()))
    assert client.get(audio).status_code == 200


def test_empty_season_feed_offers_coming_soon(client, catalog) -> None:
    coming, *rest = titles(client.get(catalog.feed_path(slug="season-2")))
    assert coming == "Coming soon: Braver"
    # Season 1 came out a day ago, but it comes before this season: never announced as new.
    assert rest == []


def test_payment_problem_feed_keeps_episodes_and_asks_for_a_card(app, client, catalog) -> None:
    with services_of(app).db.session() as session:
        member = session.get(Member, catalog.member.id)
        member.billing_state, member.grace_until = "past_due", utcnow() + timedelta(days=3)
    feed = parse_feed(client.get(catalog.feed_path()).data)
    (notice,) = [e for e in feed.gpodder["episodes"] if e["title"].startswith("Payment")]
    episodes = [e for e in feed.gpodder["episodes"] if e is not notice]
    assert notice["title"] == "Payment problem: update your card"
    assert notice["link"] == "http://podcasts.lovetv.test/account"
    assert len(episodes) == 3


def test_teaser_feed_names_only_teasers_and_trailers(client, catalog) -> None:
    response = client.get("/feeds/teaser.xml")
    feed = parse_feed(response.data)
    assert [e["title"] for e in feed.gpodder["episodes"]] == ["Free taste"]
    (trailer,) = feed.channel("podcast:trailer")
    assert trailer.text == "Trailer" and trailer.get("season") == "1"
    assert feed.channel("itunes:block") == [] and feed.channel("podcast:block") == []
    assert feed.root.findtext("channel/link") == "http://podcasts.lovetv.test/"
    for withheld in (catalog.first, catalog.scheduled, catalog.unpublished):
        assert withheld.guid.encode() not in response.data
        assert client.get(f"/media/teaser/{withheld.guid}.mp3").status_code == 404
    url = feed.gpodder["episodes"][0]["enclosures"][0]["url"]
    assert url.endswith(f"/media/teaser/{catalog.teaser.guid}.mp3")
    assert client.get(url.removeprefix("http://podcasts.lovetv.test")).status_code == 200
    assert client.get(f"/media/teaser/{catalog.trailer.guid}.mp3").status_code == 200


def test_worker_memory_holds_feeds_per_season_not_per_member(app, client, catalog) -> None:
    with services_of(app).db.session() as session:
        tokens = [make_member(session, TEST_SECRET, f"m{i}@lovetv.test")[1] for i in range(30)]
    for token in tokens:
        assert client.get(catalog.feed_path(token)).status_code == 200
    assert len(app.extensions["lovetv_feed_cache"]._variants) == 1


def test_two_workers_storing_the_same_feed_at_once_both_succeed(database: Database) -> None:
    """The other worker inserts the same feed between this one's read and its insert."""
    rival_ran: list[tuple[str, datetime]] = []

    def rival_stores_first(session, flush_context, instances) -> None:  # type: ignore[no-untyped-def]
        if not rival_ran:
            rival_ran.append(("rival", utcnow()))
            store_rendered(database, "season:race", Rendered(b"<rss/>", None), utcnow())

    event.listen(Session, "before_flush", rival_stores_first)
    try:
        now = utcnow()
        answer = store_rendered(database, "season:race", Rendered(b"<rss/>", None), now)
    finally:
        event.remove(Session, "before_flush", rival_stores_first)
    assert rival_ran and answer == (body_etag(b"<rss/>"), now)
    with database.session() as session:
        stored = session.get(RenderedFeed, "season:race")
        assert stored is not None and stored.body == b"<rss/>"
