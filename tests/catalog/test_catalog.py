"""The show and its seasons as producers edit them; every change reaches the feed cache."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.media import make_png
from support.publishing import set_up_season

from publisher.catalog.episodes import unpublish_episode
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.catalog.season_list import list_seasons
from publisher.catalog.seasons import add_season, find_season
from publisher.catalog.show import set_show
from publisher.errors import UserError
from publisher.listening.invalidation import TEASER_FEED_KEY, season_feed_key
from publisher.models import RenderedFeed, Show, utcnow
from publisher.services import Services

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


def _cache_feeds(services: Services, *keys: str) -> None:
    with services.db.session() as session:
        for key in keys:
            session.add(
                RenderedFeed(feed_key=key, body=b"<rss/>", etag="x", last_modified=utcnow())
            )


def _cached(services: Services) -> set[str]:
    with services.db.session() as session:
        return set(session.scalars(select(RenderedFeed.feed_key)))


def test_show_set_creates_then_changes_only_what_is_given(
    services: Services, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="the show has no title yet"):
        set_show(services, {"author": "Dr. Ann"})
    set_show(services, {"title": "Love TV", "author": "Dr. Ann", "explicit": False})
    _cache_feeds(services, TEASER_FEED_KEY, season_feed_key(1))
    art = make_png(tmp_path / "cover.png", size=2000)
    set_show(services, {"description": "Love well, live well."}, image=art)
    with services.db.session() as session:
        show = session.get(Show, 1)
        assert (show.title, show.author, show.description) == (
            "Love TV",
            "Dr. Ann",
            "Love well, live well.",
        )
        assert services.storage.get_bytes(show.image_key) == art.read_bytes()
    assert _cached(services) == set()  # the show is in every feed


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": " "}, "title cannot be empty"),
        ({"owner_email": "nobody"}, "not an email address"),
        ({"website": "lovetv.example"}, "start it with https://"),
        ({"language": "english please"}, "not a language code"),
    ],
)
def test_show_details_are_checked(services: Services, changes: dict, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        set_show(services, {"title": "Love TV", **changes})


def test_seasons_are_added_once_and_listed_with_their_episodes(
    services: Services, mp3_file: Path, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    art = make_png(tmp_path / "s2.png", size=1400, color=(0, 0, 200))
    add_season(services, "season-2", "Season 2: Open", number=2, image=art)
    publish_episode(services, EpisodeDraft("season-1", mp3_file, "One"))
    with pytest.raises(UserError, match="season 'season-2' already exists"):
        add_season(services, "season-2", "Again")
    with pytest.raises(UserError, match="another season already has number 2"):
        add_season(services, "season-3", "Three", number=2)
    with pytest.raises(UserError, match="is not a season slug"):
        add_season(services, "Season Three!", "Three")
    listed = list_seasons(services.db, utcnow())
    assert [(s["slug"], s["number"], s["episodes"]) for s in listed] == [
        ("season-1", 1, 1),
        ("season-2", 2, 0),
    ]
    assert services.storage.get_bytes(listed[1]["image_key"]) == art.read_bytes()


def test_season_list_counts_published_scheduled_and_unpublished_apart(
    services: Services, mp3_file: Path, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    now = utcnow()
    publish_episode(services, EpisodeDraft("season-1", mp3_file, "Out"))
    gone = publish_episode(services, EpisodeDraft("season-1", mp3_file, "Gone"))
    unpublish_episode(services, gone["guid"])
    later = now + timedelta(days=1)
    publish_episode(services, EpisodeDraft("season-1", mp3_file, "Soon", publish_at=later))
    add_season(services, "season-2", "Empty", number=2)
    listed = {s["slug"]: s for s in list_seasons(services.db, now + timedelta(minutes=1))}
    counts = [listed["season-1"][k] for k in ("published", "scheduled", "unpublished")]
    assert counts == [1, 1, 1] and listed["season-1"]["episodes"] == 1
    assert [listed["season-2"][k] for k in ("published", "scheduled", "unpublished")] == [0, 0, 0]
    # Once its time comes, the scheduled one counts as published.
    after = {s["slug"]: s for s in list_seasons(services.db, later + timedelta(seconds=1))}
    assert (after["season-1"]["published"], after["season-1"]["scheduled"]) == (2, 0)


def test_unpublish_takes_an_episode_out_of_its_feeds_but_keeps_the_audio(
    services: Services, mp3_file: Path, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    published = publish_episode(services, EpisodeDraft("season-1", mp3_file, "One"))
    with services.db.session() as session:
        season_id = find_season(session, "season-1").id
    _cache_feeds(services, TEASER_FEED_KEY, season_feed_key(season_id), "season:999")
    assert unpublish_episode(services, published["guid"]) is True
    assert _cached(services) == set()  # every season's feed names the others (announcements)
    assert unpublish_episode(services, published["guid"]) is False
    assert services.storage.size(published["audio_key"]) == published["size"]


def test_publishing_makes_the_seasons_feeds_stale(
    services: Services, mp3_file: Path, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    with services.db.session() as session:
        season_id = find_season(session, "season-1").id
    _cache_feeds(services, TEASER_FEED_KEY, season_feed_key(season_id))
    publish_episode(services, EpisodeDraft("season-1", mp3_file, "One"))
    assert _cached(services) == set()
