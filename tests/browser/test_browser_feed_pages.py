"""Feed URLs opened in Chromium, at a phone's and a desktop's width: an HTML page, not XML.

A member's private feed and the teaser feed open as pages with no XSLT warning and no
console error; the copy button copies the feed URL, the app buttons are there and reached
by the keyboard, nothing scrolls sideways, and axe-core finds nothing serious or critical.
A member without access gets a page with the one next step and nothing to add to an app.
Each page is also saved as a screenshot under the temporary directory, for a person to look
at.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from support.browser import (
    assert_accessible,
    assert_fits_the_screen,
    press,
    reached_by_tab,
    tab_stops,
)
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.stripe_app import Shop

from publisher.models import Member

pytestmark = pytest.mark.stripe

SCREENSHOTS = Path(tempfile.gettempdir())


class Listening:
    """A show with a season of three episodes (one a teaser) and one member."""

    def __init__(self, shop: Shop, audio: Path) -> None:
        with shop.services.db.session() as session:
            make_show(session)
            season = make_season(session, "season-1", 1, title="Closer")
            store = shop.services.storage
            make_episode(session, store, season, audio, title="Trailer", episode_type="trailer")
            make_episode(session, store, season, audio, title="Free taste", number=1, teaser=True)
            make_episode(session, store, season, audio, title="Opening up", number=2)
            self.member, self.token = make_member(
                session, shop.services.config.secret_key, "ann@lovetv.test"
            )
        self.services = shop.services

    def set_member(self, **fields: object) -> None:
        with self.services.db.session() as session:
            member = session.get(Member, self.member.id)
            for name, value in fields.items():
                setattr(member, name, value)


@pytest.fixture
def listening(shop: Shop, mp3_file: Path) -> Listening:
    return Listening(shop, mp3_file)


def open_feed(page, url: str, shot: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Navigate to a feed URL as a person does; every console message it logged."""
    said: list[str] = []
    page.on("console", lambda m: said.append(f"{m.type}: {m.text}"))
    answer = page.goto(url)
    assert answer is not None and answer.status == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert page.evaluate("() => document.contentType") == "text/html"
    assert page.evaluate("() => document.querySelector('rss') === null")
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"lovetv-feed-{shot}-{width}.png"), full_page=True)
    assert not [m for m in said if "xslt" in m.lower() or "stylesheet" in m.lower()], said
    return said


def assert_copies_and_offers_the_apps(page, url: str, private: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The copy button copies `url`; the app buttons carry it; the keyboard reaches all."""
    origin = url.split("/feeds/")[0]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    tab_stops(page)
    field = page.locator("#feed-url")
    assert field.input_value() == url
    copy = page.get_by_role("button", name="Copy link")
    names = ("Overcast",) if private else ("Overcast", "AntennaPod")
    apps = [page.get_by_role("link", name=f"Add to {app}") for app in names]
    for control in (field, copy, *apps):
        reached_by_tab(control)
    assert all(quote(url, safe="") in app.get_attribute("href") for app in apps)
    assert_fits_the_screen(page, field, copy, *apps)
    press(page, copy)
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    page.get_by_text("Using another app?").click()
    assert page.get_by_text("Apple Podcasts: copy the link above, then open Library").is_visible()


def test_a_members_feed_opens_as_a_page_with_its_link_copy_button_and_apps(  # type: ignore[no-untyped-def]
    shop: Shop, listening: Listening, page
) -> None:
    url = f"{shop.url}/feeds/{listening.token}/season-1.xml"
    open_feed(page, url, "member")
    assert page.get_by_role("heading", level=1).inner_text() == "Love TV: Closer"
    assert page.get_by_text("This is your private link: don't share it.").is_visible()
    episodes = page.locator("ul.episodes > li").all_inner_texts()
    assert [e.splitlines()[0] for e in episodes] == ["Trailer", "Free taste", "Opening up"]
    assert_accessible(page)
    assert_copies_and_offers_the_apps(page, url)


def test_the_teaser_feed_opens_as_a_page_with_its_link_copy_button_and_apps(  # type: ignore[no-untyped-def]
    shop: Shop, listening: Listening, page
) -> None:
    url = f"{shop.url}/feeds/teaser.xml"
    open_feed(page, url, "teaser")
    assert page.get_by_role("heading", level=1).inner_text() == "Love TV: free episodes"
    assert page.get_by_role("link", name="Free taste").is_visible()
    assert "don't share" not in page.content() and "Opening up" not in page.content()
    assert_accessible(page)
    assert_copies_and_offers_the_apps(page, url, private=False)


def test_a_revoked_members_feed_opens_as_a_page_with_only_the_next_step(  # type: ignore[no-untyped-def]
    shop: Shop, listening: Listening, page
) -> None:
    listening.set_member(status="revoked")
    open_feed(page, f"{shop.url}/feeds/{listening.token}/season-1.xml", "revoked")
    assert "was ended by Love TV" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="Write to hello@lovetv.test").is_visible()
    assert page.locator("input, button, .apps").count() == 0
    assert listening.token not in page.locator("body").inner_text()
    assert_accessible(page)
    assert_fits_the_screen(page)


UNDERSCORE_SHOWS = """(field, value) => {
  field.value = value;
  field.scrollLeft = 0;
}"""


def test_every_character_of_the_token_in_the_link_field_reads_as_itself(  # type: ignore[no-untyped-def]
    shop: Shop, listening: Listening, page
) -> None:
    """Someone copying the link by hand reads the token off the field: an underscore clipped
    by the field's height looks like a space. The field holds exactly the URL, in a monospace
    font large enough for each glyph, and an underscore renders differently from a space."""
    url = f"{shop.url}/feeds/{listening.token}/season-1.xml"
    open_feed(page, url, "member-token")
    field = page.locator("#feed-url")
    assert field.input_value() == url and listening.token in field.input_value()
    style = field.evaluate(
        "f => { const s = getComputedStyle(f); return [s.fontFamily, parseFloat(s.fontSize)]; }"
    )
    assert "monospace" in style[0] and style[1] >= 16, style
    token = listening.token[:12]
    shots = {}
    for name, text in (("underscores", f"{token}_a_b__c"), ("spaces", f"{token} a b  c")):
        field.evaluate(UNDERSCORE_SHOWS, text)
        shots[name] = field.screenshot()
    assert shots["underscores"] != shots["spaces"], "an underscore renders as a space"
    field.evaluate(UNDERSCORE_SHOWS, url)
    assert field.input_value() == url
