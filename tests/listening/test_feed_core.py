"""The RSS core alone: plain values in, bytes out, read back by podcast apps' parsers."""

from __future__ import annotations

import gzip
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import lxml.html
import pytest
from support.feed_checks import parse_feed

from feeds.model import (
    MEMBER_NAME_PLACEHOLDER,
    NOTICE_DATE_PLACEHOLDER,
    NOTICE_ID_PLACEHOLDER,
    TOKEN_PLACEHOLDER,
    Enclosure,
    EpisodeInfo,
    NoticeLinks,
    SeasonInfo,
    ShowInfo,
    Trailer,
)
from feeds.notice_feed import render_lost_access_feed
from feeds.podcast_extension import PodcastIndexEntryExtension, PodcastIndexExtension
from feeds.season_feed import render_season_feed
from feeds.teaser_feed import render_teaser_feed
from feeds.template import FeedTemplate
from feeds.text import clean_text
from publisher.listening.feed_http import member_etag, notice_event

BASE = "https://p.test"
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TOKEN = "Abc_def-0123456789ABCDEFGHIJKLMN"
CONTENT_NS = {"content": "http://purl.org/rss/1.0/modules/content/"}
HOSTILE = 'Tom & Jerry\'s <b>"best"</b> 💞 \x00\x07\x1b\ufffe night \U0001f525'


def show(**changes: object) -> ShowInfo:
    values = dict(
        title="Love TV",
        author="Love TV",
        owner_email="hello@lovetv.test",
        description="Love Well, Live Well.",
        image_url=f"{BASE}/media/cover.png",
        language="en",
        category="Health & Fitness > Sexuality",
        website=f"{BASE}/",
        explicit=False,
        podcast_guid="show-guid",
        join_url=f"{BASE}/",
    )
    values.update(changes)
    return ShowInfo(**values)  # type: ignore[arg-type]


SEASON = SeasonInfo(
    "season-1",
    "Closer",
    1,
    "Season one.",
    None,
    "season-guid",
    f"{BASE}/feeds/{TOKEN_PLACEHOLDER}/s.xml",
)
LINKS = NoticeLinks(
    f"{BASE}/",
    f"{BASE}/account/billing?token={TOKEN_PLACEHOLDER}",
    "hello@lovetv.test",
    f"{BASE}/media/notice",
    6687,
)


def episode(n: int, **changes: object) -> EpisodeInfo:
    values = dict(
        guid=f"guid-{n}",
        title=f"Episode {n}",
        description=f"About {n}",
        published=WHEN + timedelta(days=n),
        enclosure=Enclosure(
            f"{BASE}/media/{TOKEN_PLACEHOLDER}/guid-{n}.mp3", 1000 + n, "audio/mpeg"
        ),
        duration_seconds=90,
        link=f"{BASE}/",
        number=n,
        season_number=1,
        season_title="Closer",
    )
    values.update(changes)
    return EpisodeInfo(**values)  # type: ignore[arg-type]


def test_podcast_extension_setters_refuse_bad_values() -> None:
    channel, item = PodcastIndexExtension(), PodcastIndexEntryExtension()
    with pytest.raises(ValueError, match="podcast:guid"):
        channel.podcast_guid("has spaces")
    with pytest.raises(ValueError, match="http"):
        channel.podcast_funding("ftp://x", "Join")
    with pytest.raises(ValueError, match="timezone"):
        channel.podcast_trailer("T", f"{BASE}/t.mp3", datetime(2026, 1, 1), 10, "audio/mpeg")
    with pytest.raises(ValueError, match="podcast:season"):
        item.podcast_season(-1)
    with pytest.raises(ValueError, match="podcast:transcript type"):
        item.podcast_transcript(f"{BASE}/t.txt", "text/plain")


def test_clean_text_strips_what_xml_cannot_carry_and_the_token_placeholder() -> None:
    assert clean_text("a\x00b\x0bc\td\ne") == "abc\td\ne"
    assert clean_text("x@@LOVETV_@@LOVETV_TOKEN@@TOKEN@@y") == "xy"
    assert clean_text("emoji 💞 & <tags>") == "emoji 💞 & <tags>"


def test_gzip_personalisation_is_the_gzip_of_the_personal_feed() -> None:
    body = render_season_feed(show(), SEASON, [episode(n) for n in range(1, 6)], LINKS, WHEN)
    template = FeedTemplate.from_body(body)
    assert gzip.decompress(template.personalise_gzip(TOKEN)) == template.personalise(TOKEN)
    assert TOKEN_PLACEHOLDER.encode() not in template.personalise(TOKEN)


def test_every_placeholder_is_replaced_plain_and_gzipped_and_a_missing_value_is_named() -> None:
    date, event = NOTICE_DATE_PLACEHOLDER, NOTICE_ID_PLACEHOLDER
    body = f"<a>{TOKEN_PLACEHOLDER}</a><d>{date}</d><g>{event}-{TOKEN_PLACEHOLDER}</g>".encode()
    template = FeedTemplate.from_body(body)
    assert not template.token_only
    values = {date: "Tue, 01 Sep 2026 10:00:00 +0000", event: "20260901T100000000000Z"}
    expected = body.replace(TOKEN_PLACEHOLDER.encode(), TOKEN.encode())
    for placeholder, value in values.items():
        expected = expected.replace(placeholder.encode(), value.encode())
    assert template.personalise(TOKEN, values) == expected
    assert gzip.decompress(template.personalise_gzip(TOKEN, values)) == expected
    with pytest.raises(KeyError, match=f"no value for {', '.join(sorted(values))}"):
        template.personalise(TOKEN)
    only_token = FeedTemplate.from_body(f"<a>{TOKEN_PLACEHOLDER}</a>".encode())
    assert only_token.token_only
    assert only_token.personalise(TOKEN) == f"<a>{TOKEN}</a>".encode()


def test_season_feed_lists_episodes_newest_first_with_member_urls() -> None:
    body = FeedTemplate.from_body(
        render_season_feed(show(), SEASON, [episode(1), episode(3), episode(2)], LINKS, WHEN)
    ).personalise(TOKEN)
    feed = parse_feed(body)
    assert [e["guid"] for e in feed.gpodder["episodes"]] == ["guid-3", "guid-2", "guid-1"]
    assert feed.gpodder["episodes"][0]["enclosures"][0]["url"] == f"{BASE}/media/{TOKEN}/guid-3.mp3"
    assert feed.channel("itunes:category/@text") == ["Health & Fitness"]
    assert feed.channel("itunes:category/itunes:category/@text") == ["Sexuality"]


def test_empty_season_still_offers_a_coming_soon_item() -> None:
    feed = parse_feed(render_season_feed(show(), SEASON, [], LINKS, WHEN))
    (item,) = feed.gpodder["episodes"]
    assert item["title"] == "Coming soon: Closer"
    assert item["enclosures"][0]["url"] == f"{BASE}/media/notice/coming_soon.mp3"
    assert item["enclosures"][0]["file_size"] == 6687


def at_event(body: bytes, moment: datetime) -> bytes:
    """A rendered feed personalised for a member whose notice event happened at `moment`."""
    return FeedTemplate.from_body(body).personalise(TOKEN, notice_event(moment))


@pytest.mark.parametrize("kind", ["lapsed", "revoked", "rotated"])
def test_lost_access_notice_is_dated_and_named_by_the_members_event(kind: str) -> None:
    body = render_lost_access_feed(kind, show(), SEASON, LINKS, WHEN)
    event, later = WHEN + timedelta(days=3, microseconds=7), WHEN + timedelta(days=9)
    first, again = parse_feed(at_event(body, event)), parse_feed(at_event(body, event))
    (item,) = first.gpodder["episodes"]
    assert item["guid"] == again.gpodder["episodes"][0]["guid"]
    assert item["guid"].startswith(f"season-guid-notice-{kind}-")
    assert item["published"] == int(event.timestamp())
    (other,) = parse_feed(at_event(body, later)).gpodder["episodes"]
    assert other["guid"] != item["guid"] and other["published"] == int(later.timestamp())
    assert item["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert first.channel("itunes:block")[0].text == "Yes"


@pytest.mark.parametrize("kind", ["lapsed", "revoked", "rotated"])
def test_notice_text_links_to_the_account_page_in_description_and_content(kind: str) -> None:
    links = replace(LINKS, account_url=f"{BASE}/account")
    body = render_lost_access_feed(kind, show(), SEASON, links, WHEN)
    feed = parse_feed(at_event(body, WHEN))
    (item,) = feed.items()
    for path in ("description", "content:encoded"):
        text = item.xpath(path, namespaces=CONTENT_NS)[0].text
        hrefs = lxml.html.fromstring(text).xpath("//a/@href")
        assert f"{BASE}/account" in hrefs, (path, text)
        assert TOKEN not in text


def test_members_feeds_carry_no_funding_link_and_the_teaser_does() -> None:
    member = parse_feed(render_season_feed(show(), SEASON, [episode(1)], LINKS, WHEN))
    assert member.channel("podcast:funding") == []
    teaser = render_teaser_feed(show(), [episode(1)], [], LINKS, WHEN, f"{BASE}/feeds/teaser.xml")
    assert parse_feed(teaser).channel("podcast:funding/@url") == [f"{BASE}/"]


def test_teaser_feed_names_trailers_and_is_not_blocked() -> None:
    trailer = Trailer(
        "Season trailer", WHEN, Enclosure(f"{BASE}/media/teaser/t.mp3", 77, "audio/mpeg"), 1
    )
    teaser = episode(1, enclosure=Enclosure(f"{BASE}/media/teaser/guid-1.mp3", 1001, "audio/mpeg"))
    body = render_teaser_feed(show(), [teaser], [trailer], LINKS, WHEN, f"{BASE}/feeds/teaser.xml")
    feed = parse_feed(body)
    assert TOKEN_PLACEHOLDER.encode() not in body
    assert feed.channel("itunes:block") == [] and feed.channel("podcast:block") == []
    (element,) = feed.channel("podcast:trailer")
    assert (element.text, element.get("season"), element.get("length")) == (
        "Season trailer",
        "1",
        "77",
    )
    assert feed.channel("podcast:funding/@url") == [f"{BASE}/"]
    assert feed.root.findtext("channel/link") == f"{BASE}/"


def test_hostile_text_reaches_the_parsers_intact_minus_control_characters() -> None:
    hostile_show = show(title=HOSTILE, description=HOSTILE, author=HOSTILE)
    season = SeasonInfo(
        "s", HOSTILE, 1, HOSTILE, None, "sg", f"{BASE}/feeds/{TOKEN_PLACEHOLDER}/s.xml"
    )
    body = render_season_feed(
        hostile_show, season, [episode(1, title=HOSTILE, description=HOSTILE)], LINKS, WHEN
    )
    feed = parse_feed(FeedTemplate.from_body(body).personalise(TOKEN))
    expected = 'Tom & Jerry\'s <b>"best"</b> 💞 night \U0001f525'
    assert feed.gpodder["episodes"][0]["title"] == expected
    assert feed.feedparser.entries[0].title == expected
    # Descriptions keep their spacing; only the control characters between are gone.
    # Notes are Markdown or HTML: <b> is emphasis in content:encoded, and gone from the text.
    assert feed.root.findtext("channel/item/description") == expected.replace(
        "💞 ", "💞  "
    ).replace("<b>", "").replace("</b>", "")
    content = feed.root.xpath("channel/item/content:encoded", namespaces=CONTENT_NS)[0].text
    assert '<b>"best"</b>' in content


def test_a_member_etag_is_their_own_whatever_else_it_carries() -> None:
    """Two members never share an ETag (a shared cache or app would serve one the other's
    feed), nor do two versions of the feed, whatever name, notice or items they share."""
    v1, v2 = SimpleNamespace(etag="v1"), SimpleNamespace(etag="v2")
    shared = [
        ({}, ""),
        ({NOTICE_ID_PLACEHOLDER: "20260901T100000000000Z"}, ""),
        ({MEMBER_NAME_PLACEHOLDER: "Ann"}, ""),
        ({}, "1767225600.0"),  # the same welcome, dated at the same start
        ({MEMBER_NAME_PLACEHOLDER: "Ann"}, "1767225600.0"),
    ]
    tags = set()
    for event, personal in shared:
        for variant in (v1, v2):
            for lookup_hash in ("member-a", "member-b"):
                tags.add(member_etag(variant, lookup_hash, event, personal))  # type: ignore[arg-type]
    assert len(tags) == len(shared) * 4
    assert all(re.fullmatch(r'"[0-9a-f]{40}"', tag) for tag in tags)
