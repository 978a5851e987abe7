"""The landing page and the join form in a real browser, at a phone's and a desktop's width."""

from __future__ import annotations

from support.browser import chromium_fixture, page_fixture  # noqa: F401
from support.fake_stripe import fake_stripe_server_fixture, stripe_account_fixture  # noqa: F401
from support.stripe_app import Shop, env_fixture, live_url_fixture, shop_fixture  # noqa: F401


def test_a_buyer_reaches_checkout_from_the_landing_page_with_the_keyboard(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{shop.url}/")
    assert page.get_by_role("heading", level=1).is_visible()
    join = page.get_by_role("link", name="Join monthly")
    join.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{shop.url}/join/monthly")
    assert not shop.stripe.of_kind("checkout.session"), "showing the form created a session"
    pay = page.get_by_role("button", name="Continue to payment")
    assert pay.is_visible()
    box = pay.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]
    page.outside_origins.append(shop.stripe.base_url)  # the fake's hosted page is not ours
    with page.expect_request(lambda r: r.url.startswith(shop.stripe.base_url)) as to_stripe:
        pay.focus()
        page.keyboard.press("Enter")
    assert "/checkout/" in to_stripe.value.url or to_stripe.value.url.startswith(
        shop.stripe.base_url
    )
    assert len(shop.stripe.of_kind("checkout.session")) == 1
