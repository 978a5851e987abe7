"""The billing pages: landing, join, the billing portal kept behind sign-in; idempotency keys."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.stripe_app import Shop

from publisher.app import create_app
from publisher.config import Config
from publisher.members.members import add_member, current_token, find_member, issue_token

pytestmark = pytest.mark.stripe


def test_the_landing_page_offers_the_three_plans(shop: Shop) -> None:
    page = shop.browser.get(f"{shop.url}/", timeout=30)
    assert page.status_code == 200
    for plan, price in (("monthly", "$77"), ("yearly", "$222"), ("lifetime", "$333")):
        assert f'href="/join/{plan}"' in page.text and price in page.text
    assert f"{shop.url}/feeds/teaser.xml" in page.text


def test_join_creates_the_checkout_session_stripe_needs(shop: Shop) -> None:
    for plan, mode, price in (
        ("monthly", "subscription", "price_monthly_77"),
        ("yearly", "subscription", "price_yearly_222"),
        ("lifetime", "payment", "price_lifetime_333"),
    ):
        session = shop.stripe.get(shop.start_checkout(plan), "checkout.session")
        assert (session["mode"], session["_price"], session["metadata"]) == (
            mode,
            price,
            {"plan": plan},
        )
        assert session["success_url"] == f"{shop.url}/welcome?session_id={{CHECKOUT_SESSION_ID}}"
        assert session["cancel_url"] == f"{shop.url}/"
    lifetime = shop.stripe.newest_checkout_session()
    assert lifetime["customer_creation"] == "always"  # a lifetime buyer is a customer too
    creates = [r for r in shop.stripe.requests if r[0] == "POST"]
    assert len(creates) == 3 and all(key for _, _, key in creates)
    assert len({key for _, _, key in creates}) == 3


def test_an_unknown_plan_is_not_found(shop: Shop) -> None:
    answer = shop.browser.get(f"{shop.url}/join/weekly", allow_redirects=False, timeout=30)
    assert answer.status_code == 404 and "monthly, yearly or lifetime" in answer.text


def test_a_plan_without_a_price_is_not_on_sale(config: Config) -> None:
    app = create_app(config=replace(config, stripe_prices={"monthly": "price_monthly_77"}))
    answer = app.test_client().get("/join/lifetime")
    assert answer.status_code == 503
    assert "LOVETV_STRIPE_PRICES" in answer.get_data(as_text=True)


def test_the_welcome_page_opens_no_billing_portal(shop: Shop) -> None:
    session_id, _ = shop.buy("monthly", "ann@example.com")
    shop.welcome(session_id)
    answer = shop.browser.get(f"{shop.url}/account/billing", allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"] == "/account/sign-in"
    assert shop.stripe.of_kind("billing_portal.session") == []


def test_no_feed_token_opens_the_billing_portal(shop: Shop) -> None:
    _, events = shop.buy("yearly", "bea@example.com")
    shop.deliver(*events)
    secret = shop.services.config.secret_key
    with shop.services.db.session() as session:
        comp = add_member(session, secret, "guest@example.com", plan="comp")
        comp_token = current_token(session, comp, secret)
        member = find_member(session, "bea@example.com")
        old = current_token(session, member, secret)
        issue_token(session, secret, member)
    billing = f"{shop.url}/account/billing"
    for token in (shop.token_of("bea@example.com"), old, comp_token, "x" * 32):
        answer = shop.browser.get(billing, params={"token": token}, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["Location"] == "/account/sign-in"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert shop.stripe.of_kind("billing_portal.session") == []
