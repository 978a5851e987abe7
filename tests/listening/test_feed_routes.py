"""Members listening in their podcast app, end to end, on both databases and both stores.

Feeds are fetched through the app, parsed with podcast apps' parsers, and their enclosures
followed to the audio bytes (through a presigned redirect to a real S3 server, or the local
file served with HEAD and byte ranges).
"""

from __future__ import annotations

import json

import pytest
import requests
from support.catalog_factory import make_member
from support.feed_checks import parse_feed

from publisher.members import admin as membership_admin
from publisher.models import Member

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


def audio_bytes(client, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """GET an enclosure as an app would, following a redirect to the store if there is one."""
    path = url.removeprefix("http://podcasts.lovetv.test")
    response = client.get(path, headers=headers or {})
    if response.status_code == 302:
        assert response.headers["Cache-Control"] == "private, no-store"
        fetched = requests.get(response.headers["Location"], headers=headers or {}, timeout=10)
        return fetched.status_code, fetched.content, fetched.headers
    return response.status_code, response.data, response.headers


def test_member_feed_carries_every_tag_apple_and_the_podcast_namespace_ask_for(
    client, catalog
) -> None:
    response = client.get(catalog.feed_path())
    assert response.status_code == 200
    assert response.content_type == "application/rss+xml; charset=utf-8"
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    feed = parse_feed(response.data)
    for tag in ("title", "description", "language", "link"):
        assert feed.root.findtext(f"channel/{tag}")
    for path in ("itunes:image/@href", "itunes:category/@text", "itunes:author", "itunes:type"):
        assert feed.channel(path)
    assert feed.channel("itunes:explicit")[0].text == "false"
    assert feed.channel("itunes:block")[0].text == "Yes"
    assert feed.channel("podcast:block")[0].text == "yes"
    assert feed.channel("podcast:locked")[0].text == "yes"
    assert feed.channel("podcast:guid")[0].text == catalog.season.podcast_guid
    titles = [e["title"] for e in feed.gpodder["episodes"]]
    assert sorted(titles) == ["Free taste", "Opening up", "Trailer"]  # no scheduled, no withdrawn
    published = [e["published"] for e in feed.gpodder["episodes"]]
    assert published == sorted(published, reverse=True)
    first = next(e for e in feed.gpodder["episodes"] if e["title"] == "Opening up")
    assert first["guid"] == catalog.first.guid
    assert first["number"] == 1 and first["season"] == 1 and first["type"] == "full"
    assert first["total_time"] == 3 and first["published"] > 0
    enclosure = first["enclosures"][0]
    assert enclosure["file_size"] == catalog.first.size and enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["url"].endswith(f"/media/{catalog.token}/{catalog.first.guid}.mp3")
    (item,) = [i for i in feed.items() if i.findtext("guid") == catalog.first.guid]
    assert feed.item_text(item, "podcast:season") == "1"
    assert feed.item_text(item, "podcast:episode") == "1"
    assert item.xpath("podcast:chapters/@type", namespaces={"podcast": feed.root.nsmap["podcast"]})
    assert feed.feedparser.entries[1].itunes_episodetype == "full"


def test_enclosure_leads_to_the_audio_bytes_with_head_and_ranges(client, catalog) -> None:
    feed = parse_feed(client.get(catalog.feed_path()).data)
    url = next(e for e in feed.gpodder["episodes"] if e["title"] == "Opening up")["enclosures"][0][
        "url"
    ]
    head = client.head(url.removeprefix("http://podcasts.lovetv.test"))
    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) == catalog.first.size
    status, body, headers = audio_bytes(client, url, {"Range": "bytes=0-1"})
    assert status == 206 and len(body) == 2
    assert headers["Content-Range"] == f"bytes 0-1/{catalog.first.size}"
    status, body, _ = audio_bytes(client, url)
    assert status == 200 and body[:2] == b"\xff\xfb" and len(body) == catalog.first.size


def test_chapters_and_transcript_are_served_to_the_member(client, catalog) -> None:
    feed = parse_feed(client.get(catalog.feed_path()).data)
    (item,) = [i for i in feed.items() if i.findtext("guid") == catalog.first.guid]
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    chapters_url = item.xpath("podcast:chapters/@url", namespaces=ns)[0]
    chapters = client.get(chapters_url.removeprefix("http://podcasts.lovetv.test"))
    assert chapters.content_type == "application/json+chapters"
    assert [c["title"] for c in json.loads(chapters.data)["chapters"]] == ["Hello", "Why"]
    transcript_url = item.xpath("podcast:transcript/@url", namespaces=ns)[0]
    status, body, _ = audio_bytes(client, transcript_url)
    assert status == 200 and body.startswith(b"WEBVTT")


def test_rotated_link_gets_a_notice_and_403_while_the_new_link_works(client, catalog) -> None:
    old = catalog.token
    audio = f"/media/{old}/{catalog.first.guid}.mp3"
    assert client.get(audio).status_code in (200, 302)
    summary = membership_admin.rotate(catalog.services, "ann@lovetv.test")
    new_url = summary["feeds"]["season-1"]
    assert old not in new_url
    notice = parse_feed(client.get(catalog.feed_path(old)).data)
    (item,) = notice.gpodder["episodes"]
    assert "replaced by a newer one" in item["title"]
    assert client.get(audio).status_code == 403
    fresh = parse_feed(client.get(new_url.removeprefix("http://podcasts.lovetv.test")).data)
    assert len(fresh.gpodder["episodes"]) == 3


def test_lapsed_member_feed_offers_renewal_and_episodes_return_on_renewal(client, catalog) -> None:
    with catalog.services.db.session() as session:
        session.get(Member, catalog.member.id).status = "lapsed"
    lapsed = client.get(catalog.feed_path())
    assert lapsed.status_code == 200
    (item,) = parse_feed(lapsed.data).gpodder["episodes"]
    assert "renew" in item["title"].lower()
    assert item["link"] == "http://podcasts.lovetv.test/account"
    assert client.get(f"/media/{catalog.token}/{catalog.first.guid}.mp3").status_code == 403
    with catalog.services.db.session() as session:
        session.get(Member, catalog.member.id).status = "active"
    renewed = parse_feed(client.get(catalog.feed_path()).data)
    assert "Opening up" in [e["title"] for e in renewed.gpodder["episodes"]]
    assert client.get(f"/media/{catalog.token}/{catalog.first.guid}.mp3").status_code in (200, 302)


def test_revoked_member_is_told_access_was_withdrawn(client, catalog) -> None:
    membership_admin.revoke(catalog.services, "ann@lovetv.test")
    (item,) = parse_feed(client.get(catalog.feed_path()).data).gpodder["episodes"]
    assert item["title"] == "Access to this feed was withdrawn"
    assert "hello@lovetv.test" in item["description"]
    assert client.get(f"/media/{catalog.token}/{catalog.first.guid}.mp3").status_code == 403


def test_two_members_feeds_differ_only_in_their_tokens(client, catalog) -> None:
    with catalog.services.db.session() as session:
        _, other = make_member(session, catalog.services.config.secret_key, "bo@lovetv.test")
    mine = client.get(catalog.feed_path())
    theirs = client.get(catalog.feed_path(other))
    assert mine.data.replace(catalog.token.encode(), b"T") == theirs.data.replace(
        other.encode(), b"T"
    )
    assert other.encode() not in mine.data and catalog.token.encode() not in theirs.data
    assert mine.headers["ETag"] != theirs.headers["ETag"]


HOSTILE = 'Tom & Jerry\'s <b>"best"</b> 💞\x07\x1b\x0b night 🔥 ]]> &amp;'


def test_hostile_titles_and_descriptions_survive_the_whole_path(client, catalog) -> None:
    from publisher.listening.invalidation import show_changed
    from publisher.models import Episode, Season, Show

    with catalog.services.db.session() as session:
        session.get(Show, 1).title = HOSTILE
        session.get(Season, catalog.season.id).description = HOSTILE
        episode = session.get(Episode, catalog.first.id)
        episode.title, episode.description = HOSTILE, HOSTILE
        show_changed(session)
    for path in (catalog.feed_path(), "/feeds/teaser.xml"):
        response = client.get(path)
        assert response.status_code == 200
        parse_feed(response.data)  # podcastparser, feedparser (no bozo) and lxml all accept it
    feed = parse_feed(client.get(catalog.feed_path()).data)
    clean = 'Tom & Jerry\'s <b>"best"</b> 💞 night 🔥 ]]> &amp;'
    assert clean in [e["title"] for e in feed.gpodder["episodes"]]
    assert feed.feedparser.feed.title.startswith("Tom & Jerry's <b>")
    assert feed.root.findtext("channel/description") == HOSTILE.replace("\x07\x1b\x0b", "")
