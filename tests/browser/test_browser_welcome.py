"""The welcome page after Stripe Checkout in a real browser, at a phone's and a desktop's width.

A brand-new member copies their feed link and finds their apps there; a browser that paid
with an existing member's address sees nothing of that member. Neither gets signed in.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from support.browser import (
    account_cookie,
    assert_fits_the_screen,
    labelled_field,
    leave_for_checkout,
    press,
    reached_by_tab,
    tab_stops,
)
from support.stripe_app import Shop

pytestmark = pytest.mark.stripe

FEED_LABEL = "Private feed link for Season 1"


def test_a_new_member_copies_their_feed_link_and_finds_their_apps_on_the_welcome_page(  # type: ignore[no-untyped-def]
    shop: Shop, page, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id = leave_for_checkout(page, shop, "monthly")
    shop.stripe.pay_checkout(session_id, "nia@example.com")  # the webhook has not come yet
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shop.url)
    answer = page.goto(f"{shop.url}/welcome?session_id={session_id}")
    assert answer is not None and answer.status == 200
    assert "lovetv_account" not in (answer.headers.get("set-cookie") or "")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"
    feed = labelled_field(page, FEED_LABEL)
    url = feed.input_value()
    assert url == f"{shop.url}/feeds/{shop.token_of('nia@example.com')}/season-1.xml"
    assert requests.get(url, timeout=30).status_code == 200
    # The all-seasons feed comes first; this is the season's own, in its own block.
    assert page.get_by_role("heading", level=2).all_inner_texts()[:2] == ["All seasons", "Season 1"]
    assert (
        labelled_field(page, "Private feed link for All seasons").input_value().endswith("/all.xml")
    )
    tab_stops(page)
    block = page.locator("div.feed").filter(has=feed)
    copy = block.get_by_role("button", name="Copy link")
    names = ("Add to Overcast",)  # no link to a web page carries a private feed
    apps = [block.get_by_role("link", name=app, exact=True) for app in names]
    places = [reached_by_tab(c) for c in (feed, copy, *apps)]
    assert places == sorted(places), "Tab does not go field, copy, then the apps"
    for app in apps:
        assert quote(url, safe="") in (app.get_attribute("href") or "")
    assert_fits_the_screen(page, feed, copy, *apps)
    press(page, copy, "Space")
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    qr = block.locator("details.qr")  # the same QR code as the account page: folded on a phone
    assert (qr.get_attribute("open") is not None) == (page.viewport_size["width"] >= 768)
    if qr.get_attribute("open") is None:
        qr.locator("summary").click()
    code = page.get_by_role("img", name=f"QR code of {FEED_LABEL.lower()}")
    assert code.evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_text("Using another app?").click()  # the account page's help for every app
    for app in ("Apple Podcasts", "Pocket Casts", "Castro", "AntennaPod", "Any other app"):
        assert page.get_by_text(f"{app}: copy the link above").is_visible()
    assert account_cookie(page) == []


def test_paying_with_a_members_address_shows_that_browser_nothing_of_the_member(  # type: ignore[no-untyped-def]
    shop: Shop, page, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    _, events = shop.buy("monthly", "vic@example.com")
    shop.deliver(*events)
    token = shop.token_of("vic@example.com")
    session_id = leave_for_checkout(page, shop, "yearly")
    events = shop.stripe.pay_checkout(session_id, "vic@example.com")
    for delivered in (False, True):  # before the webhook, then after it
        if delivered:
            shop.deliver(*events)
        answer = page.goto(f"{shop.url}/welcome?session_id={session_id}")
        assert answer is not None and answer.status == 200
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == "Your payment was refunded"
        assert "already has a membership" not in page.content()  # says nothing of the address
        html = page.content()
        assert token not in html and "/feeds/" not in html and "vic@example.com" not in html
        assert page.get_by_label(re.compile("feed link")).count() == 0
        assert account_cookie(page) == []
    tab_stops(page)
    sign_in = page.get_by_role("link", name="Sign in")
    reached_by_tab(sign_in)
    assert_fits_the_screen(page, sign_in)
    press(page, sign_in)
    page.wait_for_url(f"{shop.url}/account/sign-in")
    assert shop.token_of("vic@example.com") == token and shop.members() == ["vic@example.com"]
