"""Sign-in and the account page in a real browser, at a phone's and a desktop's width.

A member asks for a link with the keyboard, takes it from the email a real SMTP server
received, presses the button, and finds every season's feed, copy button, app buttons and
QR code; then resets their links, opens billing at Stripe and signs out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from support.accounts import deliver_mail, link_in, queued
from support.browser import (
    account_cookie,
    assert_fits_the_screen,
    labelled_field,
    press,
    reached_by_tab,
    tab_stops,
)
from support.catalog_factory import make_episode, make_season, make_show
from support.smtp import new_mail_domain, shared_smtp_server
from support.stripe_app import Shop

from publisher.members.members import add_member

EMAIL_LABEL = "Your email address"
SEASONS = ("Braver", "Closer")  # newest first


@pytest.fixture(name="env")
def env_fixture(smtp_env: dict[str, str]) -> dict[str, str]:
    return smtp_env


def two_seasons(shop: Shop, audio: Path) -> None:
    with shop.services.db.session() as session:
        make_show(session)
        closer = make_season(session, "season-1", 1, title="Closer")
        braver = make_season(session, "season-2", 2, title="Braver")
        make_episode(session, shop.services.storage, closer, audio, title="One")
        make_episode(session, shop.services.storage, braver, audio, title="Two")


def ask_for_link(page, url: str, email: str) -> str:  # type: ignore[no-untyped-def]
    """Type the address into the sign-in form and press Enter; the confirmation shown."""
    page.goto(f"{url}/account/sign-in")
    tab_stops(page)
    field = labelled_field(page, EMAIL_LABEL)
    reached_by_tab(field)
    field.focus()
    page.keyboard.type(email)
    with page.expect_navigation() as answer:
        page.keyboard.press("Enter")
    assert answer.value is not None and answer.value.status == 200
    return page.get_by_role("status").inner_text()


def finish_with_button(page, link: str) -> None:  # type: ignore[no-untyped-def]
    """Open an emailed link: a button, not yet signed in; press it to reach /account."""
    page.goto(link)
    assert account_cookie(page) == [], "opening the link signed in (mail scanners open links)"
    tab_stops(page)
    button = page.get_by_role("button", name="Sign in")
    reached_by_tab(button)
    press(page, button)
    page.wait_for_url(link.split("/account/")[0] + "/account")
    (cookie,) = account_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"  # Secure too, on https
    assert "lovetv_account" not in page.evaluate("() => document.cookie")


def sign_in_from_outbox(page, shop: Shop, email: str) -> None:  # type: ignore[no-untyped-def]
    """Sign the page in with the link the sign-in email carries (read from the outbox)."""
    ask_for_link(page, shop.url, email)
    finish_with_button(page, link_in(queued(shop.services, "sign_in", email)[-1].body_text))


def test_a_member_signs_in_by_email_and_finds_every_season_on_the_account_page(  # type: ignore[no-untyped-def]
    shop: Shop, page, mp3_file: Path
) -> None:
    two_seasons(shop, mp3_file)
    member, stranger = f"ann@{new_mail_domain()}", f"ann@{new_mail_domain()}"
    with shop.services.db.session() as session:
        add_member(session, shop.services.config.secret_key, member)
    told_member = ask_for_link(page, shop.url, member)
    told_stranger = ask_for_link(page, shop.url, stranger)
    assert told_member.replace(member, "@") == told_stranger.replace(stranger, "@")
    assert deliver_mail(shop.services) == 1
    email = shared_smtp_server().wait_for(member.split("@")[1], 1)[0].message
    link = link_in(email.get_body(("plain",)).get_content())
    assert shared_smtp_server().received(stranger.split("@")[1]) == []
    finish_with_button(page, link)
    names, values = page.locator("dt").all_inner_texts(), page.locator("dd").all_inner_texts()
    terms = dict(zip(names, values, strict=True))
    assert terms["Email"] == member and terms["Plan"] and terms["Status"] == "Active"
    # One feed of every season first, then each season's.
    assert page.get_by_role("heading", level=3).all_inner_texts() == ["All seasons", *SEASONS]
    token = shop.token_of(member)
    tab_stops(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shop.url)
    slugs = ("all", *(f"season-{3 - n}" for n in range(1, len(SEASONS) + 1)))
    for n, (title, slug) in enumerate(zip(("All seasons", *SEASONS), slugs, strict=True), 1):
        season = page.locator(f"section.feed:nth-of-type({n})")
        feed = labelled_field(page, f"Private feed link for {title}")
        url = feed.input_value()
        assert url == f"{shop.url}/feeds/{token}/{slug}.xml"
        assert requests.get(url, timeout=30).status_code == 200
        copy = season.get_by_role("button", name="Copy link")
        apps = [season.get_by_role("link", name="Add to Overcast")]
        qr = season.locator("details.qr")
        if page.viewport_size["width"] < 700:  # a phone cannot scan itself: folded away
            assert qr.get_attribute("open") is None
            qr.locator("summary").click()
        code = page.get_by_role("img", name=f"QR code of your {title} feed")
        for control in (feed, copy, *apps):
            reached_by_tab(control)
        assert code.evaluate("img => img.complete && img.naturalWidth > 0")
        assert_fits_the_screen(page, feed, copy, *apps, code)
        press(page, copy)
        season.get_by_role("button", name="Copied").wait_for()
        assert page.evaluate("() => navigator.clipboard.readText()") == url


def test_a_member_resets_links_opens_billing_and_signs_out_with_the_keyboard(  # type: ignore[no-untyped-def]
    shop: Shop, page, chromium, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    member = f"bo@{new_mail_domain()}"
    shop.deliver(*shop.buy("monthly", member)[1])
    old_token = shop.token_of(member)
    earlier = chromium.new_context()
    try:
        sign_in_from_outbox(earlier.new_page(), shop, member)
        sign_in_from_outbox(page, shop, member)
        assert old_token in labelled_field(page, "Private feed link for Season 1").input_value()
        tab_stops(page)
        confirm = page.locator(".danger-zone summary")
        reached_by_tab(confirm)
        assert not page.get_by_role("button", name="Get new feed links").is_visible()
        press(page, confirm)  # the destructive button waits behind its explanation
        reset = page.get_by_role("button", name="Get new feed links")
        press(page, reset)
        page.wait_for_url(f"{shop.url}/account?done=links-reset")
        assert "New links are ready" in page.get_by_role("status").inner_text()
        new_token = shop.token_of(member)
        shown = labelled_field(page, "Private feed link for Season 1").input_value()
        assert new_token != old_token and shown == f"{shop.url}/feeds/{new_token}/season-1.xml"
        assert [m.to_address for m in queued(shop.services, "links_replaced")] == [member]
        other = earlier.pages[0]
        other.goto(f"{shop.url}/account")
        assert other.url == f"{shop.url}/account/sign-in", "the other browser is still signed in"
    finally:
        earlier.close()
    tab_stops(page)
    billing = page.get_by_role("button", name="Manage billing")
    reached_by_tab(billing)
    page.outside_origins.append(shop.stripe.base_url)  # the fake portal's page is not ours
    with page.expect_request(lambda r: r.url.startswith(f"{shop.stripe.base_url}/p/")):
        press(page, billing)
    page.wait_for_url(lambda url: url.startswith(shop.stripe.base_url))
    portal = shop.stripe.of_kind("billing_portal.session")
    assert [p["customer"] for p in portal] == [shop.member(member)["customer"]]
    page.goto(f"{shop.url}/account")
    tab_stops(page)
    sign_out = page.get_by_role("button", name="Sign out")
    reached_by_tab(sign_out)
    press(page, sign_out, "Space")
    page.wait_for_url(f"{shop.url}/account/sign-in?done=signed-out")
    assert page.get_by_role("status").inner_text().startswith("You are signed out.")
    assert account_cookie(page) == []
    page.goto(f"{shop.url}/account")
    assert page.url == f"{shop.url}/account/sign-in"
