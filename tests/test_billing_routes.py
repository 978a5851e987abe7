"""The billing pages: landing, join, billing portal; idempotency keys on every Stripe call."""

from __future__ import annotations

from dataclasses import replace

from support.fake_stripe import fake_stripe_server_fixture, stripe_account_fixture  # noqa: F401
from support.stripe_app import Shop, env_fixture, live_url_fixture, shop_fixture  # noqa: F401

from publisher.app import create_app
from publisher.config import Config
from publisher.members.members import add_member, current_token, find_member, issue_token


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


def test_the_welcome_cookie_opens_the_billing_portal(shop: Shop) -> None:
    session_id, _ = shop.buy("monthly", "ann@example.com")
    shop.welcome(session_id)
    answer = shop.browser.get(f"{shop.url}/account/billing", allow_redirects=False, timeout=30)
    assert answer.status_code == 303
    portal = shop.stripe.of_kind("billing_portal.session")[0]
    assert answer.headers["Location"] == portal["url"]
    assert portal["customer"] == shop.member("ann@example.com")["customer"]
    assert portal["return_url"] == f"{shop.url}/"
    assert shop.stripe.requests[-1][2]  # an idempotency key was sent


def test_the_billing_portal_needs_a_current_token_or_the_welcome_cookie(shop: Shop) -> None:
    _, events = shop.buy("yearly", "bea@example.com")
    shop.deliver(*events)
    token = shop.token_of("bea@example.com")
    billing = f"{shop.url}/account/billing"
    anonymous = shop.browser.get(billing, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 403 and "welcome page" in anonymous.text
    unknown = shop.browser.get(billing, params={"token": "x" * 32}, allow_redirects=False)
    assert unknown.status_code == 403
    ok = shop.browser.get(billing, params={"token": token}, allow_redirects=False, timeout=30)
    assert ok.status_code == 303 and ok.headers["Referrer-Policy"] == "no-referrer"
    with shop.services.db.session() as session:
        member = find_member(session, "bea@example.com")
        issue_token(session, shop.services.config.secret_key, member)
    old = shop.browser.get(billing, params={"token": token}, allow_redirects=False, timeout=30)
    assert old.status_code == 403 and "newest link" in old.text


def test_a_comp_member_has_no_billing_to_manage(shop: Shop) -> None:
    secret = shop.services.config.secret_key
    with shop.services.db.session() as session:
        member = add_member(session, secret, "guest@example.com", plan="comp")
        token = current_token(session, member, secret)
    answer = shop.browser.get(
        f"{shop.url}/account/billing", params={"token": token}, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 409 and "not billed through Stripe" in answer.text
