"""The public pages in a real browser, at a phone's and a desktop's width: a teaser plays,
the keyboard reaches every control, images have alt text, nothing logs an error, and axe-core
finds no serious or critical accessibility problem on the landing page, an episode page, a
season page, the sign-in page and the account page (feed URLs opened in the browser:
test_browser_feed_pages.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from support.accounts import sign_in
from support.browser import (
    assert_accessible,
    assert_fits_the_screen,
    press,
    reached_by_tab,
    tab_stops,
)
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.stripe_app import Shop

from publisher.models import Episode

pytestmark = pytest.mark.stripe

PLAYING = """a => new Promise(resolve => {
  a.muted = true;
  const start = a.currentTime;
  a.play().then(() => {
    const check = () => (a.readyState >= 2 && a.currentTime > start + 0.2)
      ? resolve([a.readyState, a.currentTime]) : setTimeout(check, 50);
    check();
  }, e => resolve(["refused", String(e)]));
})"""


class Teasers:
    """A show with one season: a trailer, a teaser with notes and chapters, a members-only one."""

    def __init__(self, shop: Shop, audio: Path) -> None:
        with shop.services.db.session() as session:
            make_show(session)
            season = make_season(session, "season-1", 1, title="Closer", description="Closer.")
            store = shop.services.storage
            self.trailer = make_episode(
                session, store, season, audio, title="Trailer", episode_type="trailer"
            )
            self.teaser = make_episode(
                session,
                store,
                season,
                audio,
                title="Free taste",
                number=1,
                teaser=True,
                description="Read [the book](https://book.test/).",
                chapters=[{"startTime": 0, "title": "Hello"}, {"startTime": 1.5, "title": "Why"}],
            )
            self.members_only = make_episode(
                session, store, season, audio, title="Opening up", number=2
            )
            self.member, self.token = make_member(
                session, shop.services.config.secret_key, "ann@lovetv.test"
            )
            self.guids = {e.title: e.guid for e in session.query(Episode)}


@pytest.fixture
def teasers(shop: Shop, mp3_file: Path) -> Teasers:
    return Teasers(shop, mp3_file)


def assert_images_have_alt_text(page) -> None:  # type: ignore[no-untyped-def]
    missing = page.evaluate("() => [...document.images].filter(i => !i.alt).map(i => i.src)")
    assert missing == [], f"images without alt text: {missing}"
    broken = page.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth)).map(i => i.src)"
    )
    assert broken == [], f"images that did not load: {broken}"


def test_a_listener_plays_a_teaser_from_the_landing_page(shop: Shop, teasers, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{shop.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Love TV"
    assert_images_have_alt_text(page)
    stops = tab_stops(page)
    player = page.locator("audio")
    copy = page.get_by_role("button", name="Copy feed link")
    field = page.get_by_label("Free feed link", exact=True)
    sign_in_link = page.get_by_role("link", name="Sign in")
    apps = [page.get_by_role("link", name=f"Add to {app}") for app in ("Overcast", "AntennaPod")]
    for control in (sign_in_link, copy, field, *apps, page.get_by_role("link", name="Terms")):
        reached_by_tab(control)
    assert any(stop.startswith("AUDIO") for stop in stops), stops  # the player takes focus
    assert_fits_the_screen(page, player, copy, field, *apps)
    ready, position = player.evaluate(PLAYING)
    assert ready >= 2 and position > 0.2, (ready, position)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shop.url)
    press(page, copy)
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == f"{shop.url}/feeds/teaser.xml"
    assert "Opening up" not in page.content()
    assert_accessible(page)


def test_episode_and_season_pages_play_and_pass_the_accessibility_check(  # type: ignore[no-untyped-def]
    shop: Shop, teasers, page
) -> None:
    page.goto(f"{shop.url}/")
    tab_stops(page)
    press(page, page.get_by_role("link", name="Free taste"))
    page.wait_for_url(f"{shop.url}/episodes/{teasers.guids['Free taste']}")
    assert page.get_by_role("heading", level=1).inner_text() == "Free taste"
    assert page.get_by_role("list").last.inner_text().splitlines() == ["0:00 Hello", "0:01 Why"]
    ready, position = page.locator("audio").evaluate(PLAYING)
    assert ready >= 2 and position > 0.2
    assert_images_have_alt_text(page)
    assert_fits_the_screen(page, page.locator("audio"))
    assert_accessible(page)
    page.goto(f"{shop.url}/seasons/season-1")
    assert page.locator("audio").count() == 2  # the trailer and the teaser, never the rest
    tab_stops(page)
    join = page.get_by_role("link", name="Join to hear it (Opening up)")
    reached_by_tab(join)
    assert_fits_the_screen(page, join)
    assert_images_have_alt_text(page)
    assert_accessible(page)
    members_only = requests.get(f"{shop.url}/episodes/{teasers.guids['Opening up']}", timeout=30)
    assert members_only.status_code == 404


def test_sign_in_and_account_pages_pass_the_accessibility_check(  # type: ignore[no-untyped-def]
    shop: Shop, teasers, page
) -> None:
    page.goto(f"{shop.url}/account/sign-in")
    assert_accessible(page)
    browser = requests.Session()
    sign_in(shop.url, browser, shop.services, "ann@lovetv.test")
    cookie = browser.cookies.get("lovetv_account")
    page.context.add_cookies([{"name": "lovetv_account", "value": cookie, "url": shop.url}])
    page.goto(f"{shop.url}/account")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_images_have_alt_text(page)
    assert_accessible(page)


def test_a_missing_page_is_the_sites_own_with_a_way_home(shop: Shop, teasers, page) -> None:  # type: ignore[no-untyped-def]
    for path in ("/no/such/page", f"/episodes/{teasers.guids['Opening up']}"):
        page.expected_failures.append(f"{shop.url}{path}")
        answer = page.goto(f"{shop.url}{path}")
        assert answer.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "We couldn't find that page"
        assert_fits_the_screen(page)
        assert_accessible(page)
    home = page.get_by_role("link", name="Go to the show's home page")
    press(page, home)
    page.wait_for_url(f"{shop.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Love TV"
