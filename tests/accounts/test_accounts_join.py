"""Joining as a signed-in member never makes a second subscription or a second customer."""

from __future__ import annotations

import pytest
import requests
from support.accounts import sign_in
from support.stripe_app import Shop, csrf_token_of

from publisher.members.members import add_member

pytestmark = pytest.mark.stripe


def post_join(shop: Shop, plan: str) -> requests.Response:
    form = shop.browser.get(f"{shop.url}/join/{plan}", timeout=30)
    return shop.browser.post(
        f"{shop.url}/join/{plan}",
        data={"csrf_token": csrf_token_of(form.text)},
        allow_redirects=False,
        timeout=30,
    )


def member_id(shop: Shop, email: str) -> str:
    from publisher.members.members import find_member

    with shop.services.db.session() as session:
        return str(find_member(session, email).id)


def test_looking_at_the_join_page_creates_nothing_at_stripe(shop: Shop) -> None:
    for plan in ("monthly", "yearly", "lifetime"):
        assert requests.get(f"{shop.url}/join/{plan}", timeout=30).status_code == 200
        assert requests.head(f"{shop.url}/join/{plan}", timeout=30).status_code == 200
    assert shop.stripe.requests == []


def test_an_active_subscriber_is_sent_to_the_portal_to_change_plan(shop: Shop) -> None:
    _, events = shop.buy("monthly", "ann@example.com")
    shop.deliver(*events)
    sessions_before = len(shop.stripe.of_kind("checkout.session"))
    sign_in(shop.url, shop.browser, shop.services, "ann@example.com")
    answer = post_join(shop, "yearly")
    assert answer.status_code == 303
    (portal,) = shop.stripe.of_kind("billing_portal.session")
    assert answer.headers["Location"] == portal["url"]
    assert portal["customer"] == shop.member("ann@example.com")["customer"]
    assert len(shop.stripe.of_kind("checkout.session")) == sessions_before


def test_a_lifetime_member_has_nothing_to_buy(shop: Shop) -> None:
    _, events = shop.buy("lifetime", "bea@example.com")
    shop.deliver(*events)
    sign_in(shop.url, shop.browser, shop.services, "bea@example.com")
    before = list(shop.stripe.requests)
    answer = post_join(shop, "monthly")
    assert answer.status_code == 303 and answer.headers["Location"] == "/account"
    assert shop.stripe.requests == before


def test_a_lapsed_member_buys_again_as_the_same_stripe_customer(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "cy@example.com")
    shop.deliver(*events)
    shop.deliver(*shop.stripe.end_subscription(shop.stripe.session_subscription(session_id)))
    assert shop.member("cy@example.com")["status"] == "lapsed"
    sign_in(shop.url, shop.browser, shop.services, "cy@example.com")
    answer = post_join(shop, "yearly")
    assert answer.status_code == 303
    checkout = shop.stripe.newest_checkout_session()
    assert answer.headers["Location"] == checkout["url"]
    assert checkout["customer"] == shop.member("cy@example.com")["customer"]
    assert checkout["metadata"]["member_id"] == member_id(shop, "cy@example.com")
    assert checkout["metadata"]["plan"] == "yearly"


def test_a_member_without_a_stripe_customer_checks_out_under_their_own_email(
    shop: Shop,
) -> None:
    with shop.services.db.session() as session:
        add_member(session, shop.services.config.secret_key, "dee@example.com")
    sign_in(shop.url, shop.browser, shop.services, "dee@example.com")
    assert post_join(shop, "lifetime").status_code == 303
    checkout = shop.stripe.newest_checkout_session()
    assert checkout["customer"] is None and checkout["customer_email"] == "dee@example.com"
    assert checkout["metadata"]["member_id"] == member_id(shop, "dee@example.com")


def test_an_anonymous_buyer_gets_checkout_with_no_member_attached(shop: Shop) -> None:
    answer = post_join(shop, "monthly")
    assert answer.status_code == 303
    checkout = shop.stripe.newest_checkout_session()
    assert checkout["customer"] is None and "member_id" not in checkout["metadata"]


def test_the_landing_page_offers_sign_in(shop: Shop) -> None:
    page = requests.get(f"{shop.url}/", timeout=30).text
    assert 'href="/account/sign-in"' in page and "Already a member?" in page
