"""The landing page and the join form in a real browser, at a phone's and a desktop's width."""

from __future__ import annotations

import pytest
from support.browser import assert_fits_the_screen, press, reached_by_tab, tab_stops
from support.stripe_app import Shop

pytestmark = pytest.mark.stripe


def test_a_buyer_reaches_checkout_from_the_landing_page_with_the_keyboard(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{shop.url}/")
    assert page.get_by_role("heading", level=1).is_visible()
    tab_stops(page)
    sign_in = page.get_by_role("link", name="Sign in")
    plans = [page.get_by_role("link", name=f"Join {p}") for p in ("monthly", "yearly", "lifetime")]
    for control in (sign_in, *plans):
        reached_by_tab(control)
    assert_fits_the_screen(page, sign_in, *plans)
    press(page, plans[0])
    page.wait_for_url(f"{shop.url}/join/monthly")
    assert not shop.stripe.of_kind("checkout.session"), "showing the form created a session"
    tab_stops(page)
    pay = page.get_by_role("button", name="Continue to payment")
    reached_by_tab(pay)
    assert_fits_the_screen(page, pay)
    page.outside_origins.append(shop.stripe.base_url)  # the fake's hosted page is not ours
    with page.expect_request(lambda r: r.url.startswith(shop.stripe.base_url)) as to_stripe:
        press(page, pay)
    assert "/checkout/" in to_stripe.value.url or to_stripe.value.url.startswith(
        shop.stripe.base_url
    )
    assert len(shop.stripe.of_kind("checkout.session")) == 1
