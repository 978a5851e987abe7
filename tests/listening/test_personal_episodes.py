"""Episodes the producer records for members: welcome, anniversary, and their voice on
the payment-problem and lapsed notices.

Set with `lovetv personal set` (the publish pipeline's probe, mutagen tags, storage),
read back from the feed routes with podcast apps' parsers, with time moved by the clock
fixture, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from email.utils import parsedate_to_datetime

import mutagen
from support.catalog_factory import make_member
from support.feed_checks import parse_feed

from publisher.cli import main
from publisher.models import Member, utcnow

SEASON_AND_ALL = ("season-1", "all")


def items(client, path: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The feed's items in document order (feedparser's), each as gPodder reads it."""
    response = client.get(path)
    assert response.status_code == 200
    feed = parse_feed(response.data)
    by_guid = {e["guid"]: e for e in feed.gpodder["episodes"]}
    assert len(by_guid) == len(feed.feedparser.entries)
    return [
        {**by_guid[f.id], "date": parsedate_to_datetime(f.published)}
        for f in feed.feedparser.entries
    ]


def personal(runner, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["personal", "set", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def member_started(catalog, when) -> None:  # type: ignore[no-untyped-def]
    with catalog.services.db.session() as session:
        session.get(Member, catalog.member.id).created_at = when


def test_a_new_member_gets_the_welcome_at_the_top_of_each_feed_until_its_days_pass(
    runner, client, catalog, clock, mp3_file
) -> None:
    welcome = personal(
        runner, "welcome", str(mp3_file), "--title", "Hello from Ann", "--days", "30"
    )
    start = clock.now - timedelta(hours=1)
    member_started(catalog, start)
    for slug in SEASON_AND_ALL:
        top = items(client, catalog.feed_path(slug=slug))[0]
        assert top["title"] == "Hello from Ann"
        assert top["guid"] == f"{welcome['guid']}-{start:%Y%m%dT%H%M%S%fZ}"
        assert top["date"] == start.replace(microsecond=0)
        url = top["enclosures"][0]["url"]
        assert url.endswith(f"/media/personal/{welcome['guid']}.mp3")
        audio = client.get(url.removeprefix("http://podcasts.lovetv.test"))
        assert audio.status_code == 200 and len(audio.data) == welcome["size"]
        assert mutagen.File(io.BytesIO(audio.data))["TIT2"].text == ["Hello from Ann"]
    with catalog.services.db.session() as session:  # another member, joined long ago
        bo, bo_token = make_member(session, catalog.services.config.secret_key, "bo@lovetv.test")
        bo.created_at = clock.now - timedelta(days=100)
    assert "Hello from Ann" not in [i["title"] for i in items(client, catalog.feed_path(bo_token))]
    clock.advance(days=30)
    for slug in SEASON_AND_ALL:
        assert "Hello from Ann" not in [
            i["title"] for i in items(client, catalog.feed_path(slug=slug))
        ]


def test_the_welcome_changes_the_feed_etag_and_last_modified_when_it_ends(
    runner, client, catalog, clock, mp3_file
) -> None:
    personal(runner, "welcome", str(mp3_file), "--days", "2")
    member_started(catalog, clock.now)
    first = client.get(catalog.feed_path())
    assert (
        client.get(
            catalog.feed_path(), headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    clock.advance(days=3)
    later = client.get(
        catalog.feed_path(), headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert later.status_code == 200 and later.headers["ETag"] != first.headers["ETag"]


def test_a_member_whose_anniversary_passed_gets_the_anniversary_item(
    runner, client, catalog, clock, mp3_file
) -> None:
    personal(runner, "anniversary", str(mp3_file), "--title", "A year together", "--after", "365d")
    start = clock.now - timedelta(days=370)
    member_started(catalog, start)
    top = items(client, catalog.feed_path())[0]
    assert top["title"] == "A year together"
    assert top["date"] == (start + timedelta(days=365)).replace(microsecond=0)
    clock.advance(days=26)  # shown for 30 days from the anniversary
    assert "A year together" not in [i["title"] for i in items(client, catalog.feed_path())]


def test_a_past_due_member_payment_notice_carries_the_producer_audio(
    runner, client, catalog, clock, mp3_file
) -> None:
    voice = personal(runner, "payment-problem", str(mp3_file))
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        member.billing_state, member.grace_until = "past_due", utcnow() + timedelta(days=3)
    for slug in SEASON_AND_ALL:
        (notice,) = [
            i for i in items(client, catalog.feed_path(slug=slug)) if "-notice-payment" in i["guid"]
        ]
        assert notice["enclosures"][0]["url"].endswith(f"/media/personal/{voice['guid']}.mp3")
        assert notice["enclosures"][0]["file_size"] == voice["size"]
        assert "update your card" in notice["title"]


def test_a_new_member_whose_first_payment_failed_gets_the_welcome_and_the_notice(
    runner, client, catalog, clock, mp3_file
) -> None:
    personal(runner, "welcome", str(mp3_file), "--title", "Hello from Ann")
    start = clock.now - timedelta(days=2)
    member_started(catalog, start)
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        member.billing_state, member.grace_until = "past_due", utcnow() + timedelta(days=3)
    for slug in SEASON_AND_ALL:
        listed = items(client, catalog.feed_path(slug=slug))
        assert listed[0]["title"] == "Hello from Ann"
        assert listed[0]["date"] == start.replace(microsecond=0)
        (notice,) = [i for i in listed if "-notice-payment" in i["guid"]]
        assert "update your card" in notice["title"]


def test_a_lapsed_member_notice_carries_the_producer_audio(
    runner, client, catalog, mp3_file
) -> None:
    voice = personal(runner, "lapsed", str(mp3_file))
    with catalog.services.db.session() as session:
        session.get(Member, catalog.member.id).status = "lapsed"
    for slug in SEASON_AND_ALL:
        (notice,) = items(client, catalog.feed_path(slug=slug))
        assert notice["enclosures"][0]["url"].endswith(f"/media/personal/{voice['guid']}.mp3")


def test_personal_list_and_remove(runner, client, catalog, mp3_file) -> None:
    personal(runner, "welcome", str(mp3_file), "--title", "Hi")
    listed = json.loads(runner.invoke(main, ["personal", "list", "--json"]).output)
    assert [(p["kind"], p["days"]) for p in listed["personal"]] == [("welcome", 30)]
    assert items(client, catalog.feed_path())[0]["title"] == "Hi"
    assert runner.invoke(main, ["personal", "remove", "welcome"]).exit_code == 0
    assert "Hi" not in [i["title"] for i in items(client, catalog.feed_path())]
    missing = runner.invoke(main, ["personal", "remove", "welcome"])
    assert missing.exit_code == 1 and "no welcome episode is set" in missing.output


def test_a_file_that_is_not_audio_is_refused_and_nothing_is_set(runner, catalog, tmp_path) -> None:
    fake = tmp_path / "welcome.mp3"
    fake.write_bytes(b"not audio at all" * 100)
    result = runner.invoke(main, ["personal", "set", "welcome", str(fake)])
    assert result.exit_code == 1 and "error:" in result.output
    assert json.loads(runner.invoke(main, ["personal", "list", "--json"]).output) == {
        "personal": []
    }


def test_options_a_kind_does_not_take_are_refused(runner, catalog, mp3_file) -> None:
    result = runner.invoke(main, ["personal", "set", "lapsed", str(mp3_file), "--days", "3"])
    assert result.exit_code == 1 and "do not apply" in result.output
    result = runner.invoke(main, ["personal", "set", "anniversary", str(mp3_file), "--after", "1y"])
    assert result.exit_code == 1 and "365d" in result.output
