"""A feed's URL opened in a browser is an HTML page about the feed; apps still get the RSS.

A member with access reads what the feed is, their private link with a copy button, the
app buttons, the other apps' steps and the episodes. A member without access reads what
happened and the one thing to do next, and is never invited to add the feed. Podcast apps
(`application/rss+xml`, `*/*`, XML types, no Accept) get exactly the feed, its ETag and
its 304s, and no stylesheet is named any more. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import lxml.html
import pytest
from support.feed_checks import parse_feed

from publisher.listening.feed_http import wants_page
from publisher.members import admin
from publisher.members.revoked_words import revoked_explanation
from publisher.models import Member, utcnow
from publisher.web.podcast_apps import OTHER_APPS

BASE = "http://podcasts.lovetv.test"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NAVIGATION = {"Accept": "*/*", "Sec-Fetch-Mode": "navigate"}
APP_ACCEPTS = [
    None,
    "*/*",
    "application/rss+xml",
    "application/rss+xml, application/xml;q=0.9, */*;q=0.5",
    "application/xml",
    "text/xml",
    "text/html;q=0.5, application/rss+xml",  # an app that also takes HTML, but not first
]
PRIVATE_LINK = "This is your private link: don't share it."
ADD_HEADING = "Add it to your podcast app"


def set_member(catalog, **fields) -> None:  # type: ignore[no-untyped-def]
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        for name, value in fields.items():
            setattr(member, name, value)


def browse(client, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Open `path` as a browser does; the page and its parsed document."""
    response = client.get(path, headers=headers or BROWSER)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "text/html"
    return response, response.get_data(as_text=True), lxml.html.fromstring(response.data)


def in_state(catalog, state: str) -> str:  # type: ignore[no-untyped-def]
    """Put the catalogue's member in `state`; the feed path their token now opens."""
    if state == "past_due":
        set_member(catalog, billing_state="past_due", grace_until=utcnow() + timedelta(days=3))
    elif state in ("lapsed", "revoked"):
        set_member(catalog, status=state)
    elif state == "replaced":
        admin.rotate(catalog.services, "ann@lovetv.test")
    return catalog.feed_path()


def assert_private_headers(response) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Accept" in response.headers["Vary"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def assert_offers_the_feed(doc, html: str, url: str, private: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The link in a read-only field with its copy button, app buttons, other apps' steps."""
    (field,) = doc.xpath("//input[@id='feed-url']")
    assert field.get("value") == url and field.get("readonly") is not None
    assert doc.xpath("//label[@for='feed-url']")
    assert doc.xpath("//button[@data-copy='feed-url']")
    assert doc.xpath("//script[@src='/static/copy.js']") and "<script>" not in html
    links = {a.text_content(): a.get("href") for a in doc.xpath("//div[@class='apps']/a")}
    encoded = quote(url, safe="")
    expected = {"Add to Overcast": f"overcast://x-callback-url/add?url={encoded}"}
    if not private:  # AntennaPod's link is a web page when the app is missing: public feeds only
        expected["Add to AntennaPod"] = f"https://antennapod.org/deeplink/subscribe?url={encoded}"
    assert links == expected
    assert private == ("antennapod.org" not in html)
    steps = [li.text_content() for li in doc.xpath("//details//li")]
    assert steps == [f"{app}: copy the link above, then {how}" for app, how in OTHER_APPS]


def test_a_member_with_access_sees_the_feed_its_private_link_apps_and_episodes(
    client, catalog
) -> None:
    response, html, doc = browse(client, catalog.feed_path())
    assert_private_headers(response)
    assert doc.xpath("//h1")[0].text_content() == "Love TV: Closer"
    assert PRIVATE_LINK in html and ADD_HEADING in html
    assert_offers_the_feed(doc, html, f"{BASE}{catalog.feed_path()}")
    listed = [li.text_content() for li in doc.xpath("//ul[@class='episodes']/li")]
    titles = [text.split("\n")[1].strip() for text in listed]
    assert set(titles) == {"Trailer", "Opening up", "Free taste"}  # what the feed carries
    assert all("0:03" in text for text in listed)  # the duration
    assert "Tomorrow" not in html and "Withdrawn" not in html
    assert "/media/" not in html  # no audio URL on the page
    assert doc.xpath("//meta[@name='robots' and @content='noindex, nofollow']")


def test_a_browser_navigation_gets_the_page_whatever_it_accepts(client, catalog) -> None:
    for path in (catalog.feed_path(), "/feeds/teaser.xml"):
        browse(client, path, NAVIGATION)


def test_a_payment_problem_asks_for_a_card_and_still_offers_the_working_feed(
    client, catalog
) -> None:
    response, html, doc = browse(client, in_state(catalog, "past_due"))
    assert_private_headers(response)
    (notice,) = doc.xpath("//p[@class='notice']")
    assert "could not take your last payment" in notice.text_content()
    assert notice.xpath(".//a[@href='/account']")
    assert PRIVATE_LINK in html
    assert_offers_the_feed(doc, html, f"{BASE}{catalog.feed_path()}")


@pytest.mark.parametrize(
    ("state", "said", "next_step"),
    [
        ("lapsed", "membership has ended", "Sign in to renew"),
        ("replaced", "This link was replaced by a newer one", "Sign in for your new link"),
    ],
)
def test_without_access_the_page_says_what_happened_and_the_one_thing_to_do(
    client, catalog, state: str, said: str, next_step: str
) -> None:
    response, html, doc = browse(client, in_state(catalog, state))
    assert_private_headers(response)
    assert said in doc.xpath("//p[@class='notice']")[0].text_content()
    (button,) = doc.xpath("//a[@class='button']")
    assert button.text_content() == next_step and button.get("href") == "/account"
    assert_offers_nothing_to_add(doc, html)
    if state == "replaced":
        text = " ".join(doc.text_content().split())
        assert "Sign in at your account for your new link." in text


def test_a_revoked_member_reads_who_ended_it_and_whom_to_write_to(client, catalog) -> None:
    response, html, doc = browse(client, in_state(catalog, "revoked"))
    assert_private_headers(response)
    explanation = revoked_explanation("Love TV", "hello@lovetv.test")
    assert explanation in doc.xpath("//p[@class='notice']")[0].text_content()
    (button,) = doc.xpath("//a[@class='button']")
    assert button.get("href") == "mailto:hello@lovetv.test"
    assert_offers_nothing_to_add(doc, html)
    assert "renew" not in html.lower()  # renewing cannot undo a revoke


def assert_offers_nothing_to_add(doc, html: str) -> None:  # type: ignore[no-untyped-def]
    """No link to copy, no app buttons, no invitation, no episodes for a token without access."""
    assert not doc.xpath("//input") and not doc.xpath("//button")
    assert not doc.xpath("//div[@class='apps']") and not doc.xpath("//details")
    assert ADD_HEADING.lower() not in html.lower() and PRIVATE_LINK not in html
    assert "overcast" not in html.lower() and "antennapod" not in html.lower()
    assert "Opening up" not in html


def test_the_teaser_page_says_what_it_is_with_its_link_apps_and_free_episodes(
    client, catalog
) -> None:
    response, html, doc = browse(client, "/feeds/teaser.xml")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept" in response.headers["Vary"]
    assert "free public feed" in html and "don't share" not in html
    assert_offers_the_feed(doc, html, f"{BASE}/feeds/teaser.xml", private=False)
    (episode,) = doc.xpath("//ul[@class='episodes']/li")
    assert episode.xpath(f".//a[@href='/episodes/{catalog.teaser.guid}']")
    assert "Free taste" in episode.text_content() and "Opening up" not in html


@pytest.mark.parametrize("path", ["/feeds/{token}/season-9.xml", "/feeds/{unknown}/season-1.xml"])
def test_an_unknown_token_or_season_is_a_404_for_browsers_and_apps(
    client, catalog, path: str
) -> None:
    path = path.format(token=catalog.token, unknown="A" * 43)
    assert client.get(path, headers=BROWSER).status_code == 404
    app = client.get(path, headers={"Accept": "*/*"})
    assert app.status_code == 404 and app.data == b"no such feed\n"


@pytest.mark.parametrize("accept", APP_ACCEPTS)
def test_apps_get_the_same_rss_etag_and_304s_as_before(client, catalog, accept) -> None:  # type: ignore[no-untyped-def]
    headers = {"Accept": accept} if accept else {}
    for path in ("/feeds/teaser.xml", catalog.feed_path()):
        plain = client.get(path)
        feed = client.get(path, headers=headers)
        assert feed.status_code == 200
        assert feed.content_type == "application/rss+xml; charset=utf-8"
        assert feed.data == plain.data and feed.headers["ETag"] == plain.headers["ETag"]
        assert feed.headers["Last-Modified"] == plain.headers["Last-Modified"]
        assert "Accept" in feed.headers["Vary"]
        assert b"xml-stylesheet" not in feed.data and b"feed.xsl" not in feed.data
        parsed = parse_feed(feed.data)
        assert parsed.gpodder["episodes"] and parsed.feedparser.entries
        again = client.get(path, headers={**headers, "If-None-Match": feed.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        since = {**headers, "If-Modified-Since": feed.headers["Last-Modified"]}
        assert client.get(path, headers=since).status_code == 304


def test_a_member_without_access_still_gets_the_notice_feed_in_their_app(client, catalog) -> None:
    feed = client.get(in_state(catalog, "lapsed"), headers={"Accept": "application/rss+xml"})
    assert feed.content_type == "application/rss+xml; charset=utf-8"
    (item,) = parse_feed(feed.data).gpodder["episodes"]
    assert "membership has ended" in item["title"]


def test_the_stylesheet_is_gone(client, catalog) -> None:
    assert client.get("/feeds/feed.xsl", headers={"Accept": "*/*"}).status_code == 404
    assert "feed.xsl" not in client.get("/robots.txt").get_data(as_text=True)


def test_other_apps_steps_finish_the_pages_sentence_in_lower_case() -> None:
    for app, steps in OTHER_APPS:
        assert steps[0].islower(), (app, steps)


@pytest.mark.parametrize(
    ("headers", "page"),
    [
        ({}, False),
        ({"Accept": "*/*"}, False),
        ({"Accept": "application/rss+xml, application/xml;q=0.9"}, False),
        ({"Accept": BROWSER["Accept"]}, True),
        ({"Accept": "TEXT/HTML"}, True),
        ({"Accept": "text/html;q=0.5, application/rss+xml"}, False),
        ({"Accept": "application/xml, text/html;q=0.5"}, False),
        ({"Accept": "text/html;q=0"}, False),
        ({"Sec-Fetch-Mode": "navigate"}, True),
        ({"Accept": "*/*", "Sec-Fetch-Mode": "cors"}, False),
    ],
)
def test_who_gets_a_page(headers: dict[str, str], page: bool) -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    assert wants_page(Request(EnvironBuilder(headers=headers).get_environ())) is page
