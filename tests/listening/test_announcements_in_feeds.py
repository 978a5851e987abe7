"""A new season reaches members inside the feed they already follow.

Publishing season 2's first episode (through the real publish pipeline) puts an item in
every member's season-1 feed, with that member's own private season-2 link and app links,
and `podcast:podroll` names season 2 by its `podcast:guid`; after `ANNOUNCEMENT_DAYS` the
item leaves. One render serves every member: only the token differs.
"""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from support.catalog_factory import Catalog, make_member
from support.clock import Clock
from support.feed_checks import NS, parse_feed

from feeds.announcements import ANNOUNCEMENT_DAYS
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.models import Episode, Season

BASE = "http://podcasts.lovetv.test"
CONTENT = {"content": "http://purl.org/rss/1.0/modules/content/", **NS}


@pytest.fixture
def second_member(catalog: Catalog) -> str:
    with catalog.services.db.session() as session:
        _, token = make_member(session, catalog.services.config.secret_key, "bo@lovetv.test")
    return token


def announcement(client, token: str):  # type: ignore[no-untyped-def]
    """The season-1 feed's announcement item for season 2 (None if there is none)."""
    feed = parse_feed(client.get(f"/feeds/{token}/season-1.xml").data)
    found = [i for i in feed.items() if i.findtext("title") == "New season: Braver"]
    return (found[0] if found else None), feed


def season_two(catalog: Catalog) -> Season:
    with catalog.services.db.session() as session:
        season = session.query(Season).filter_by(slug="season-2").one()
        session.expunge(season)
        return season


def test_first_episode_of_a_season_is_announced_with_each_members_own_link(
    client, catalog, second_member, mp3_file, clock: Clock
) -> None:
    assert announcement(client, catalog.token)[0] is None
    publish_episode(catalog.services, EpisodeDraft("season-2", mp3_file, "Braver, part one"))
    clock.now += timedelta(seconds=1)
    guid = season_two(catalog).podcast_guid
    guids = set()
    for token, other in ((catalog.token, second_member), (second_member, catalog.token)):
        item, feed = announcement(client, token)
        assert item is not None
        own_url = f"{BASE}/feeds/{token}/season-2.xml"
        for path in ("description", "content:encoded"):
            text = item.xpath(path, namespaces=CONTENT)[0].text
            assert own_url in lxml.html.fromstring(text).xpath("//a/@href")
            assert other not in text
            assert "overcast://x-callback-url/add?url=" in text  # one-tap links, as text too
        assert other.encode() not in client.get(f"/feeds/{token}/season-1.xml").data
        (remote,) = feed.channel("podcast:podroll/podcast:remoteItem")
        assert remote.get("feedGuid") == guid and remote.get("feedUrl") == own_url
        guids.add(item.findtext("guid"))
        own = client.get(own_url.removeprefix(BASE))  # the link works: season 2's feed
        titles = [e["title"] for e in parse_feed(own.data).gpodder["episodes"]]
        assert "Braver, part one" in titles
    assert len(guids) == 1  # the same item for everyone: one render, the token put in


def test_announcement_is_dated_at_the_first_episode_and_leaves_after_the_window(
    client, catalog, mp3_file, clock: Clock
) -> None:
    published = publish_episode(
        catalog.services, EpisodeDraft("season-2", mp3_file, "Braver, part one")
    )
    with catalog.services.db.session() as session:
        first = session.query(Episode).filter_by(guid=published["guid"]).one().publish_at
    clock.now = first + timedelta(days=ANNOUNCEMENT_DAYS) - timedelta(seconds=1)
    item, _ = announcement(client, catalog.token)
    assert item is not None
    feed = parse_feed(client.get(catalog.feed_path()).data)
    (news,) = [e for e in feed.gpodder["episodes"] if e["title"] == "New season: Braver"]
    assert news["published"] == int(first.timestamp())
    clock.now = first + timedelta(days=ANNOUNCEMENT_DAYS)
    assert announcement(client, catalog.token)[0] is None
    clock.now += timedelta(days=60)
    item, feed = announcement(client, catalog.token)
    assert item is None
    assert feed.channel("podcast:podroll/podcast:remoteItem")  # still named for apps


def test_a_scheduled_first_episode_is_announced_when_it_comes_out(
    client, catalog, mp3_file, clock: Clock
) -> None:
    later = clock.now + timedelta(days=2)
    publish_episode(
        catalog.services,
        EpisodeDraft("season-2", mp3_file, "Braver, part one", publish_at=later),
    )
    assert announcement(client, catalog.token)[0] is None
    clock.now = later + timedelta(seconds=1)
    assert announcement(client, catalog.token)[0] is not None


def test_lost_access_feeds_announce_nothing(client, catalog, mp3_file) -> None:
    publish_episode(catalog.services, EpisodeDraft("season-2", mp3_file, "Braver, part one"))
    from publisher.members import admin

    admin.revoke(catalog.services, "ann@lovetv.test")
    body = client.get(catalog.feed_path()).data
    assert b"New season" not in body and b"season-2.xml" not in body


def test_a_season_is_announced_only_in_the_feeds_of_seasons_before_it(
    client, catalog, mp3_file, clock: Clock
) -> None:
    """Both first episodes within the window: season 2 is news to season 1, never back."""
    publish_episode(catalog.services, EpisodeDraft("season-2", mp3_file, "Braver, part one"))
    clock.now += timedelta(seconds=1)
    assert announcement(client, catalog.token)[0] is not None
    later = parse_feed(client.get(f"/feeds/{catalog.token}/season-2.xml").data)
    titles = [i.findtext("title") for i in later.items()]
    assert not [t for t in titles if t.startswith("New season")], titles
    assert later.channel("podcast:podroll/podcast:remoteItem")  # still named for apps


@pytest.mark.parametrize(
    ("season", "listener", "news"),
    [
        ((2, 20), (1, 10), True),
        ((1, 20), (2, 10), False),  # an older season published later is no news to a newer
        ((None, 20), (1, 10), True),  # without numbers: by first publication
        ((None, 10), (None, 20), False),
        ((3, 20), (3, 10), True),  # the same number: by first publication
        ((2, 20), (1, None), False),  # a season with nothing out yet announces nothing
    ],
)
def test_which_seasons_come_after(season, listener, news) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from feeds.announcements import comes_after

    def at(day: int | None) -> datetime | None:
        return None if day is None else datetime(2026, 1, day, tzinfo=UTC)

    assert comes_after((season[0], at(season[1])), (listener[0], at(listener[1]))) is news
