"""The show's public pages: the landing page, a teaser episode's page, a season's page, the
terms and refund policy (a feed's own page in a browser: `test_feed_pages.py`).

Members-only episodes never get a page or a player: their page is a 404 like an unknown
GUID's, and no public page names their audio.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

import lxml.html
import pytest
from support.catalog_factory import Catalog, make_episode
from support.feed_checks import parse_feed

from publisher.app import create_app
from publisher.catalog.show_policies import set_policies
from publisher.models import Episode, Season, utcnow
from publisher.services import services_of

BASE = "http://podcasts.lovetv.test"
TEASER_FEED = f"{BASE}/feeds/teaser.xml"
NOTES = "Hello **listeners**. Read [the book](https://book.test/).\n\n- one\n- two"


@pytest.fixture
def catalog(app, mp3_file) -> Catalog:  # type: ignore[no-untyped-def]
    catalog = Catalog(services_of(app), mp3_file)
    with catalog.services.db.session() as session:
        teaser = session.get(Episode, catalog.teaser.id)
        teaser.description = NOTES
        teaser.chapters = [{"startTime": 0, "title": "Welcome"}, {"startTime": 75, "title": "Why"}]
        season = session.get(Season, catalog.season.id)
        season.description = "Season one, *closer*."
    return catalog


def page(client, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.content_type.startswith("text/html")
    return response.get_data(as_text=True), lxml.html.fromstring(response.data)


def test_landing_page_shows_the_show_plans_players_and_how_to_follow_free(client, catalog) -> None:
    html, doc = page(client, "/")
    assert doc.xpath("//h1")[0].text_content() == "Love TV"
    (cover,) = doc.xpath("//img[@class='cover']")
    assert cover.get("alt") == "Cover art of Love TV" and cover.get("src") == "/media/cover.png"
    assert "Love Well, Live Well." in html
    for plan, price in (("Monthly", "$77"), ("Yearly", "$222"), ("Lifetime", "$333")):
        assert f"{plan} membership" in html and price in html  # join links: with Stripe set
    (player,) = doc.xpath("//audio")
    assert player.get("src") == f"/media/teaser/{catalog.teaser.guid}.mp3"
    assert client.get(player.get("src")).status_code == 200
    assert doc.xpath(f"//a[@href='/episodes/{catalog.teaser.guid}']")
    links = {a.text_content(): a.get("href") for a in doc.xpath("//div[@class='apps']/a")}
    encoded = quote(TEASER_FEED, safe="")
    assert links == {
        "Add to Overcast": f"overcast://x-callback-url/add?url={encoded}",
        "Add to AntennaPod": f"https://antennapod.org/deeplink/subscribe?url={encoded}",
    }
    for app in ("Apple Podcasts", "Pocket Casts", "Castro", "Podcast Addict"):
        assert app in html  # how to add the copied link in the apps without a link
    (field,) = doc.xpath("//input[@id='teaser-url']")
    assert field.get("value") == TEASER_FEED and doc.xpath("//label[@for='teaser-url']")
    assert doc.xpath("//button[@data-copy='teaser-url']")
    assert doc.xpath("//a[@href='/account/sign-in']")[0].text_content() == "Sign in"
    assert "Already a member?" in html
    assert doc.xpath("//a[@href='/terms']") and doc.xpath("//a[@href='/refunds']")
    assert doc.xpath("//a[@href='/seasons/season-1']")
    for members_only in (catalog.first, catalog.scheduled, catalog.unpublished):
        assert members_only.guid not in html and members_only.title not in html
    assert "<script>" not in html and 'src="/static/copy.js"' in html


def test_teaser_episode_page_has_player_notes_chapters_and_transcript(client, catalog) -> None:
    with catalog.services.db.session() as session:
        teaser = session.get(Episode, catalog.teaser.id)
        teaser.transcript_key, teaser.transcript_mime = "transcripts/t.vtt", "text/vtt"
        published = teaser.publish_at
    html, doc = page(client, f"/episodes/{catalog.teaser.guid}")
    assert doc.xpath("//h1")[0].text_content() == "Free taste"
    assert published.strftime("%-d %B %Y") in html and "0:03" in html
    (player,) = doc.xpath("//audio")
    assert player.get("src") == f"/media/teaser/{catalog.teaser.guid}.mp3"
    assert doc.xpath("//strong")[0].text_content() == "listeners"
    (link,) = doc.xpath("//a[@href='https://book.test/']")
    assert "noopener" in link.get("rel")
    chapters = [li.text_content() for li in doc.xpath("//ol/li")]
    assert chapters == ["0:00 Welcome", "1:15 Why"]
    seeks = [a.get("href") for a in doc.xpath("//ol[@class='chapters']/li/a[@data-seek]")]
    assert seeks == ["#t=0", "#t=75"]  # links even without the script, which seeks the player
    assert doc.xpath("//script[@src='/static/chapters.js']") and "<script>" not in html
    (read,) = doc.xpath("//a[text()='Read the transcript']")
    assert read.get("href") == f"/episodes/{catalog.teaser.guid}/transcript"  # a page, not a file


def test_members_only_episodes_have_no_public_page(client, catalog) -> None:
    for withheld in (catalog.first, catalog.scheduled, catalog.unpublished):
        response = client.get(f"/episodes/{withheld.guid}")
        assert response.status_code == 404
        assert withheld.title.encode() not in response.data
    assert client.get("/episodes/no-such-guid").status_code == 404
    assert client.get(f"/episodes/{catalog.trailer.guid}").status_code == 200  # trailers are public


def test_a_teaser_scheduled_for_later_has_no_page_yet(client, catalog, mp3_file) -> None:
    with catalog.services.db.session() as session:
        season = session.get(Season, catalog.season.id)
        later = make_episode(
            session,
            catalog.services.storage,
            season,
            mp3_file,
            teaser=True,
            title="Later teaser",
            publish_at=utcnow() + timedelta(days=1),
        )
    assert client.get(f"/episodes/{later.guid}").status_code == 404
    assert "Later teaser" not in page(client, "/")[0]


def test_teaser_feed_items_link_to_their_pages(client, catalog) -> None:
    feed = parse_feed(client.get("/feeds/teaser.xml").data)
    (item,) = feed.items()
    assert item.findtext("link") == f"{BASE}/episodes/{catalog.teaser.guid}"
    member = parse_feed(client.get(catalog.feed_path()).data)
    links = {i.findtext("guid"): i.findtext("link") for i in member.items()}
    assert links[catalog.teaser.guid] == f"{BASE}/episodes/{catalog.teaser.guid}"
    assert links[catalog.first.guid] == "https://lovetv.test"  # members-only: the website


def test_season_page_plays_trailer_and_teasers_and_lists_the_rest_with_join(
    client, catalog
) -> None:
    html, doc = page(client, "/seasons/season-1")
    assert doc.xpath("//h1")[0].text_content() == "Closer"
    assert doc.xpath("//em")[0].text_content() == "closer"
    assert doc.xpath("//img[@alt='Artwork of Closer']")
    sources = [a.get("src") for a in doc.xpath("//audio")]
    assert sources == [
        f"/media/teaser/{catalog.trailer.guid}.mp3",
        f"/media/teaser/{catalog.teaser.guid}.mp3",
    ]
    (members_only,) = [a for a in doc.xpath("//article") if "Opening up" in a.text_content()]
    assert not members_only.xpath(".//audio") and not members_only.xpath(
        ".//a[contains(@href,'/episodes/')]"
    )
    assert not members_only.xpath(".//a[@href='/#plans']")  # joining is closed: no dead button
    on_sale = replace(catalog.services.config, stripe_api_key="sk_test_x")
    selling = create_app(config=on_sale).test_client()
    doc = lxml.html.fromstring(selling.get("/seasons/season-1").data)
    (members_only,) = [a for a in doc.xpath("//article") if "Opening up" in a.text_content()]
    assert members_only.xpath(".//a[@href='/#plans']")
    for withheld in (catalog.first, catalog.scheduled, catalog.unpublished):
        assert withheld.guid not in html
    assert "Tomorrow" not in html and "Withdrawn" not in html
    assert client.get("/seasons/no-such-season").status_code == 404


def test_terms_and_refund_policy_show_the_producers_markdown_sanitized(client, catalog) -> None:
    assert "will be published here soon" in page(client, "/terms")[0]
    with catalog.services.db.session() as session:
        set_policies(
            session,
            terms=(
                "# Terms\n\nBe kind. <script>alert(1)</script>[x](javascript:alert(1))\n\n"
                "## Refunds\n\n### Within 14 days\n\n##### Small print\n\n"
                '<h2 onclick="steal()">Raw</h2><a href="javascript:x">y</a>'
            ),
            refund_policy="Full refund within **14 days**: write to [us](mailto:hi@lovetv.test).",
        )
    html, doc = page(client, "/terms")
    headings = [
        (h.tag, h.text_content()) for h in doc.xpath("//main//*[self::h2 or self::h3 or self::h4]")
    ]
    assert headings[:4] == [
        ("h2", "Terms"),  # under the page's own h1
        ("h2", "Refunds"),
        ("h3", "Within 14 days"),
        ("h4", "Small print"),
    ]  # every heading of the producer's kept as one
    assert "onclick" not in html and "steal()" not in html
    assert "<script>alert" not in html and not doc.xpath("//a[starts-with(@href,'javascript')]")
    html, doc = page(client, "/refunds")
    assert doc.xpath("//strong")[0].text_content() == "14 days"
    assert doc.xpath("//a[@href='mailto:hi@lovetv.test']")


def test_policy_files_are_read_as_utf8_or_refused_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from publisher.catalog.show_policies import read_policy_file
    from publisher.errors import UserError

    good = tmp_path / "terms.md"
    good.write_text("\ufeff# Terms\n\nBe kind.\n", encoding="utf-8")
    assert read_policy_file(good, "--terms") == "# Terms\n\nBe kind."
    bad = tmp_path / "refunds.md"
    bad.write_bytes(b"\xff\xfe\x00not utf-8")
    with pytest.raises(UserError, match=r"refunds.md is not UTF-8 text \(--refund-policy\)"):
        read_policy_file(bad, "--refund-policy")
    with pytest.raises(UserError, match="cannot read"):
        read_policy_file(tmp_path / "missing.md", "--terms")
