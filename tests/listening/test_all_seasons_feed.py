"""One feed for everything: `/feeds/<token>/all.xml` gives every season a member can hear.

Read by podcast apps' parsers, its items are exactly the season feeds' items (same GUIDs,
same enclosures), season after season; a member who lost access gets one notice there, as
in their season feeds; it is answered by the member-feed fast path like the season feeds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.feed_checks import parse_feed

from publisher.accounts.account_page import published_feeds
from publisher.catalog.seasons import add_season
from publisher.errors import UserError
from publisher.listening.invalidation import season_changed
from publisher.models import Member, Season, utcnow
from publisher.web.feed_fast_path import MemberFeedFastPath

# On both databases, with the local store only: feeds never read audio.


@pytest.fixture
def two_seasons(catalog, mp3_file):  # type: ignore[no-untyped-def]
    """The catalog with an episode out in season 2 as well."""
    with catalog.services.db.session() as session:
        braver = session.query(Season).filter_by(slug="season-2").one()
        make_episode(session, catalog.services.storage, braver, mp3_file, title="Brave", number=1)
        season_changed(session, braver.id)
    return catalog


def guids(client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    feed = parse_feed(response.data)
    assert [e.id for e in feed.feedparser.entries] == [e["guid"] for e in feed.gpodder["episodes"]]
    # Season feeds also announce a new season; the all-seasons feed already has it.
    return [e["guid"] for e in feed.gpodder["episodes"] if "-new-season-" not in e["guid"]]


def test_all_feed_lists_every_season_with_the_season_feeds_guids(client, two_seasons) -> None:
    catalog = two_seasons
    one = guids(client, catalog.feed_path())
    two = guids(client, catalog.feed_path(slug="season-2"))
    every = guids(client, catalog.feed_path(slug="all"))
    assert sorted(every) == sorted(one + two)
    assert every[: len(one)] == one  # seasons in order, each newest first
    feed = parse_feed(client.get(catalog.feed_path(slug="all")).data)
    assert feed.feedparser.feed.title == "Love TV: All seasons"
    assert feed.channel("podcast:block")[0].text == "yes"
    first = next(e for e in feed.gpodder["episodes"] if e["guid"] == catalog.first.guid)
    url = first["enclosures"][0]["url"]
    assert url.endswith(f"/media/{catalog.token}/{catalog.first.guid}.mp3")
    assert client.head(url.removeprefix("http://podcasts.lovetv.test")).status_code == 200


def test_all_feed_follows_a_new_episode_and_answers_304_until_then(
    client, two_seasons, mp3_file
) -> None:
    catalog = two_seasons
    path = catalog.feed_path(slug="all")
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    with catalog.services.db.session() as session:
        braver = session.query(Season).filter_by(slug="season-2").one()
        new = make_episode(session, catalog.services.storage, braver, mp3_file, title="Later")
        season_changed(session, braver.id)
    changed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert new.guid in [e["guid"] for e in parse_feed(changed.data).gpodder["episodes"]]


def test_lapsed_member_all_feed_gives_one_notice_like_their_season_feeds(
    client, two_seasons
) -> None:
    catalog = two_seasons
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        member.status, member.status_changed_at = "lapsed", utcnow() - timedelta(hours=1)
    for slug in ("season-1", "all"):
        response = client.get(catalog.feed_path(slug=slug))
        assert response.status_code == 200
        (item,) = parse_feed(response.data).gpodder["episodes"]
        assert "-notice-lapsed-" in item["guid"]
        assert item["title"].startswith("Your membership has ended")


def test_unknown_token_gets_404_at_all_xml(client, two_seasons) -> None:
    assert client.get("/feeds/" + "x" * 32 + "/all.xml").status_code == 404


def test_all_feed_goes_through_the_fast_path(app, two_seasons) -> None:
    fast = app.wsgi_app
    while not isinstance(fast, MemberFeedFastPath):
        fast = fast.app
    calls = []
    flask_side = fast.app
    fast.app = lambda environ, start: calls.append(1) or flask_side(environ, start)
    response = app.test_client().get(two_seasons.feed_path(slug="all"))
    assert response.status_code == 200 and calls == []


def test_a_season_cannot_be_slugged_all(services) -> None:
    with pytest.raises(UserError, match="all-seasons feed"):
        add_season(services, "all", "Everything")


def test_account_offers_the_all_feed_first(two_seasons) -> None:
    catalog = two_seasons
    config = catalog.services.config
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        feeds = published_feeds(session, config, member, utcnow())
    assert feeds[0].url.endswith(f"/feeds/{catalog.token}/all.xml")
    assert [f.title for f in feeds[1:]] == ["Braver", "Closer"]


def test_all_feed_before_any_episode_says_coming_soon(client, services, mp3_file) -> None:
    with services.db.session() as session:
        make_show(session)
        make_season(session)
        _, token = make_member(session, services.config.secret_key, "bo@lovetv.test")
    response = client.get(f"/feeds/{token}/all.xml")
    (item,) = parse_feed(response.data).gpodder["episodes"]
    assert "coming_soon" in item["guid"]


def test_a_browser_opening_all_xml_gets_its_page_with_every_season(client, two_seasons) -> None:
    page = client.get(two_seasons.feed_path(slug="all"), headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "All seasons" in text and "Opening up" in text and "Brave" in text
