"""The account page: every published season's feed, app links, QR codes, and its forms."""

from __future__ import annotations

import io
import re
from base64 import b64decode
from datetime import timedelta
from html import unescape
from pathlib import Path

import feedparser
import pytest
import requests
import zxingcpp
from PIL import Image
from support.accounts import post_form, queued, sign_in
from support.catalog_factory import make_episode, make_season, make_show
from support.stripe_app import Shop

from publisher.members.members import add_member
from publisher.models import utcnow

pytestmark = pytest.mark.stripe


def comp_member(shop: Shop, email: str) -> None:
    with shop.services.db.session() as session:
        add_member(session, shop.services.config.secret_key, email)


def catalogue(shop: Shop, audio: Path) -> None:
    """Two published seasons, one scheduled for later, one empty."""
    with shop.services.db.session() as session:
        make_show(session)
        first = make_season(session, "season-1", 1, title="Closer")
        second = make_season(session, "season-2", 2, title="Braver")
        later = make_season(session, "season-3", 3, title="Not Yet")
        make_season(session, "season-4", 4, title="Empty")
        make_episode(session, shop.services.storage, first, audio, title="One")
        make_episode(session, shop.services.storage, second, audio, title="Two")
        make_episode(
            session, shop.services.storage, later, audio, publish_at=utcnow() + timedelta(days=1)
        )


def feed_links(page: str) -> list[str]:
    return [unescape(u) for u in re.findall(r'<input id="feed-\d+" value="([^"]+)"', page)]


def test_signed_out_the_account_page_sends_you_to_sign_in(shop: Shop) -> None:
    answer = shop.browser.get(f"{shop.url}/account", allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"] == "/account/sign-in"


def test_the_account_page_lists_every_published_season_newest_first_with_working_feeds(
    shop: Shop, mp3_file: Path
) -> None:
    catalogue(shop, mp3_file)
    comp_member(shop, "ann@example.com")
    sign_in(shop.url, shop.browser, shop.services, "ann@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "ann@example.com" in page.text and "Complimentary" in page.text
    titles = re.findall(r'<h3 id="season-\d+">([^<]+)</h3>', page.text)
    assert titles == ["All seasons", "Braver", "Closer"]  # one feed of every season first
    token = shop.token_of("ann@example.com")
    links = feed_links(page.text)
    assert links == [
        f"{shop.url}/feeds/{token}/{slug}.xml" for slug in ("all", "season-2", "season-1")
    ]
    for n, link in enumerate(links, start=1):
        assert f'<label for="feed-{n}">' in page.text
        answer = requests.get(link, timeout=30)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("application/rss+xml")
        titles = [e.title for e in feedparser.parse(answer.content).entries]
        assert any(title in ("One", "Two") for title in titles)


def test_each_feed_has_app_links_that_keep_the_whole_url_and_a_qr_code_of_it(
    shop: Shop, mp3_file: Path
) -> None:
    catalogue(shop, mp3_file)
    comp_member(shop, "bea@example.com")
    sign_in(shop.url, shop.browser, shop.services, "bea@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30).text
    feed = feed_links(page)[0]
    encoded = requests.utils.quote(feed, safe="")
    assert "antennapod.org" not in page  # its web fallback would send the token to a third party
    assert f'href="overcast://x-callback-url/add?url={encoded}"' in page
    assert "podcast://" not in page and "castros://" not in page  # scheme-dropping links
    assert "Follow a Show by URL" in page and 'data-copy="feed-1"' in page
    images = re.findall(
        r'<img src="data:image/png;base64,([^"]+)" alt="QR code of your ([\w ]+) feed"', page
    )
    assert [title for _, title in images] == ["All seasons", "Braver", "Closer"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(b64decode(images[0][0]))))
    assert [code.text for code in decoded] == [feed]


def test_before_any_season_is_out_the_page_says_the_first_is_coming(shop: Shop) -> None:
    comp_member(shop, "cy@example.com")
    sign_in(shop.url, shop.browser, shop.services, "cy@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30).text
    assert "first season is coming" in page and "email" in page
    assert feed_links(page) == []


def test_reset_rotates_emails_and_signs_out_every_other_browser(shop: Shop, mp3_file: Path) -> None:
    catalogue(shop, mp3_file)
    comp_member(shop, "dee@example.com")
    old_token = shop.token_of("dee@example.com")
    sign_in(shop.url, shop.browser, shop.services, "dee@example.com")
    with requests.Session() as other:
        sign_in(shop.url, other, shop.services, "dee@example.com")
        answer = post_form(shop.browser, shop.url, "/account", "/account/reset-links")
        assert answer.status_code == 303 and answer.headers["Location"].startswith("/account")
        assert other.get(f"{shop.url}/account", allow_redirects=False).status_code == 303
    page = shop.browser.get(f"{shop.url}{answer.headers['Location']}", timeout=30)
    assert page.status_code == 200 and "New links are ready" in page.text
    new_token = shop.token_of("dee@example.com")
    assert new_token != old_token and new_token in page.text and old_token not in page.text
    titles = [title for title, _ in shop.listen(old_token)]
    assert titles == ["This private link was replaced by a newer one"]
    episodes = [t for t, _ in shop.listen(new_token) if not t.startswith("New season:")]
    assert episodes == ["One"]
    (email,) = queued(shop.services, "links_replaced", "dee@example.com")
    assert new_token in email.body_text and old_token not in email.body_text


def test_billing_opens_the_portal_of_the_members_own_customer(shop: Shop) -> None:
    _, events = shop.buy("monthly", "eve@example.com")
    shop.deliver(*events)
    sign_in(shop.url, shop.browser, shop.services, "eve@example.com")
    answer = post_form(shop.browser, shop.url, "/account", "/account/billing")
    assert answer.status_code == 303
    (portal,) = shop.stripe.of_kind("billing_portal.session")
    assert answer.headers["Location"] == portal["url"]
    assert portal["customer"] == shop.member("eve@example.com")["customer"]
    assert portal["return_url"] == f"{shop.url}/account"


def test_a_comp_member_has_no_billing_to_manage(shop: Shop) -> None:
    comp_member(shop, "fay@example.com")
    sign_in(shop.url, shop.browser, shop.services, "fay@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30).text
    assert "<dd>Complimentary</dd>" in page and "<dd>Active</dd>" in page
    assert "Manage billing" not in page and "comp" not in page.replace("Complimentary", "")
    answer = post_form(shop.browser, shop.url, "/account", "/account/billing")
    assert answer.status_code == 409 and "not billed through Stripe" in answer.text
    shop.browser.headers["Accept"] = "text/html"  # the same, posted from a browser
    page_answer = post_form(shop.browser, shop.url, "/account", "/account/billing")
    assert page_answer.status_code == 409 and "<h1>Nothing to manage</h1>" in page_answer.text
    assert 'href="/account"' in page_answer.text
    assert shop.stripe.of_kind("billing_portal.session") == []


def test_a_trialing_member_reads_when_the_trial_ends_and_what_then(shop: Shop) -> None:
    comp_member(shop, "tia@example.com")
    with shop.services.db.session() as session:
        from publisher.members.members import find_member

        member = find_member(session, "tia@example.com")
        member.plan, member.billing_state = "monthly", "trialing"
        member.stripe_customer_id = "cus_trial"
        member.period_end = utcnow().replace(year=2030, month=1, day=8)
    sign_in(shop.url, shop.browser, shop.services, "tia@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30).text
    assert "<dd>Monthly</dd>" in page and "Manage billing" in page
    assert "Free trial until 08 January 2030, then $77 / month" in page


def test_a_feed_token_never_opens_the_billing_portal(shop: Shop) -> None:
    _, events = shop.buy("yearly", "gus@example.com")
    shop.deliver(*events)
    token = shop.token_of("gus@example.com")
    billing = f"{shop.url}/account/billing"
    for browser in (requests.Session(), shop.browser):
        answer = browser.get(billing, params={"token": token}, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["Location"] == "/account/sign-in"
        assert browser.post(billing, data={"token": token}).status_code == 400  # no csrf
    sign_in(shop.url, shop.browser, shop.services, "gus@example.com")
    answer = shop.browser.get(billing, params={"token": token}, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"] == "/account"
    assert shop.stripe.of_kind("billing_portal.session") == []


def test_forms_without_the_csrf_token_are_refused(shop: Shop) -> None:
    comp_member(shop, "hal@example.com")
    sign_in(shop.url, shop.browser, shop.services, "hal@example.com")
    token = shop.token_of("hal@example.com")
    for action in ("reset-links", "billing", "sign-out"):
        answer = shop.browser.post(f"{shop.url}/account/{action}", allow_redirects=False)
        assert answer.status_code == 400
    assert shop.token_of("hal@example.com") == token
    assert shop.browser.get(f"{shop.url}/account", allow_redirects=False).status_code == 200


def test_sign_out_ends_the_session_on_the_server(shop: Shop) -> None:
    comp_member(shop, "ida@example.com")
    sign_in(shop.url, shop.browser, shop.services, "ida@example.com")
    cookie = shop.browser.cookies["lovetv_account"]
    answer = post_form(shop.browser, shop.url, "/account", "/account/sign-out")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/account/sign-in?done=signed-out"
    assert "lovetv_account=;" in answer.headers["Set-Cookie"]
    told = shop.browser.get(shop.url + answer.headers["Location"], timeout=30)
    assert "You are signed out." in told.text and 'href="/"' in told.text
    replay = requests.get(
        f"{shop.url}/account", cookies={"lovetv_account": cookie}, allow_redirects=False
    )
    assert replay.status_code == 303 and replay.headers["Location"] == "/account/sign-in"


def test_a_lapsed_member_renews_their_own_plan_from_the_account_page_in_one_press(
    shop: Shop,
) -> None:
    _, events = shop.buy("yearly", "lee@example.com")
    shop.deliver(*events)
    with shop.services.db.session() as session:
        from publisher.members.members import find_member

        member = find_member(session, "lee@example.com")
        member.status, member.billing_state, member.stripe_subscription_id = (
            "lapsed",
            "canceled",
            None,
        )
    sign_in(shop.url, shop.browser, shop.services, "lee@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30).text
    assert "Come back to" in page and 'action="/join/yearly"' in page
    assert "Renew: yearly membership, $222 / year" in page
    answer = post_form(shop.browser, shop.url, "/account", "/join/yearly")
    assert answer.status_code == 303
    checkout = shop.stripe.of_kind("checkout.session")[0]
    assert answer.headers["Location"] == checkout["url"]
    assert checkout["customer"] == shop.member("lee@example.com")["customer"]


def test_an_active_member_is_offered_no_renewal(shop: Shop) -> None:
    comp_member(shop, "ada@example.com")
    sign_in(shop.url, shop.browser, shop.services, "ada@example.com")
    page = shop.browser.get(f"{shop.url}/account", timeout=30).text
    assert "Come back to" not in page and 'action="/join/' not in page
