"""Free trials and promotion codes: what the join page says and what Checkout is asked for."""

from __future__ import annotations

import time

import pytest
from support.fake_stripe import FakeStripeAccount
from support.stripe_app import Shop, billing_env, csrf_token_of

from auth.offers import (
    CheckoutOffer,
    PromotionOffer,
    charged_words,
    discount_words,
    discounted_cents,
    promotion_offer,
    trial_days,
)
from publisher.config import ConfigError, load_config


@pytest.fixture(name="env")
def env_fixture(database_url: str, local_storage_url: str, stripe_account: FakeStripeAccount):  # type: ignore[no-untyped-def]
    """Trials on the monthly plan only."""
    return billing_env(
        database_url, local_storage_url, stripe_account, LOVETV_TRIAL_DAYS="monthly=7"
    )


def checkout_params(shop: Shop, plan: str, query: str = "") -> tuple[str, dict]:  # type: ignore[type-arg]
    """Open the join page (with `query`), post its form; the page and what Stripe was asked."""
    page = shop.browser.get(f"{shop.url}/join/{plan}{query}", timeout=30)
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_token_of(page.text)}
    if 'name="code"' in page.text:
        form["code"] = page.text.split('name="code" value="', 1)[1].split('"', 1)[0]
    posted = shop.browser.post(
        f"{shop.url}/join/{plan}", data=form, allow_redirects=False, timeout=30
    )
    assert posted.status_code == 303, posted.text
    created = [s for s in shop.stripe.sent if s.path == "/v1/checkout/sessions"]
    return page.text, created[-1].params


def test_a_trial_is_offered_only_for_the_configured_plan(shop: Shop) -> None:
    landing = shop.browser.get(f"{shop.url}/", timeout=30).text
    assert "7 days free</strong>, then $77 / month" in landing
    page, monthly = checkout_params(shop, "monthly")
    ends = time.strftime("%-d %B %Y", time.gmtime(time.time() + 7 * 86400))
    assert f"7 days free (until {ends}), then $77 / month" in page and "nothing is charged" in page
    assert monthly["subscription_data"]["trial_period_days"] == "7"
    page, yearly = checkout_params(shop, "yearly")
    assert "days free" not in page and "trial_period_days" not in yearly["subscription_data"]
    _, lifetime = checkout_params(shop, "lifetime")
    assert "subscription_data" not in lifetime


def test_a_trialing_member_is_told_when_the_trial_ends_by_email_and_on_the_account_page(
    shop: Shop,
) -> None:
    session_id, events = shop.buy("monthly", "trial@example.com")
    shop.deliver(*events)
    trial_end = shop.stripe.get(shop.stripe.session_subscription(session_id), "subscription")[
        "trial_end"
    ]
    ends = time.strftime("%d %B %Y", time.gmtime(trial_end))
    words = f"Free trial until {ends}, then $77 / month"
    (welcome,) = shop.outbox("welcome")
    assert words in welcome.body_text and words in welcome.body_html
    shop.sign_in("trial@example.com")
    assert words in shop.browser.get(f"{shop.url}/account", timeout=30).text
    shop.browser.cookies.clear()  # another buyer, in another browser
    _, paying = shop.buy("yearly", "paying@example.com")  # no trial on yearly: not a word
    shop.deliver(*paying)
    assert "Free trial" not in shop.outbox("welcome")[-1].body_text


def test_a_member_who_subscribed_before_gets_no_second_trial(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "again@example.com")
    shop.deliver(*events)
    shop.deliver(*shop.stripe.end_subscription(shop.stripe.session_subscription(session_id)))
    shop.sign_in("again@example.com")
    page, params = checkout_params(shop, "monthly")
    assert "without a free trial" in page and "7 days free" not in page
    assert "trial_period_days" not in params["subscription_data"]


def test_checkout_takes_typed_promotion_codes_by_default(shop: Shop) -> None:
    _, params = checkout_params(shop, "yearly")
    assert params["allow_promotion_codes"] == "true" and "discounts" not in params


def test_a_join_link_code_is_applied_and_checkout_carries_it(shop: Shop) -> None:
    promo = shop.stripe.add_promotion_code("LAUNCH", 20, "repeating", 3)
    page, params = checkout_params(shop, "yearly", "?code=launch")
    assert "Code LAUNCH: 20% off for 3 months." in page
    assert "$177.60 / year for the first year, then $222 / year" in page
    assert params["discounts"] == [{"promotion_code": promo["id"]}]
    assert "allow_promotion_codes" not in params  # Stripe refuses both at once


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("?code=NOPE", "The code NOPE does not exist"),
        ("?code=OLD", "The code OLD: this code has expired"),
        ("?code=%3Cscript%3E", "does not exist"),
    ],
)
def test_a_code_that_does_not_work_shows_the_plan_at_full_price(
    shop: Shop, query: str, reason: str
) -> None:
    old = shop.stripe.add_promotion_code("OLD", 50)
    old["expires_at"] = int(time.time()) - 60
    page, params = checkout_params(shop, "yearly", query)
    assert reason in page and "shown at its full price" in page and "<script>" not in page
    assert "$222 / year" in page and "discounts" not in params
    assert params["allow_promotion_codes"] == "true"


def test_promotion_codes_can_be_turned_off(shop: Shop, app) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from publisher.services import services_of

    services = services_of(app)
    services.config = replace(services.config, promotion_codes=False)  # type: ignore[misc]
    shop.stripe.add_promotion_code("LAUNCH", 20)
    page, params = checkout_params(shop, "yearly", "?code=LAUNCH")
    assert "LAUNCH" not in page
    assert "allow_promotion_codes" not in params and "discounts" not in params


# --- the rules alone -------------------------------------------------------------------


def test_trial_rules() -> None:
    configured = {"monthly": 7, "yearly": 14}
    assert trial_days("monthly", configured, subscribed_before=False) == 7
    assert trial_days("yearly", configured, subscribed_before=True) is None
    assert trial_days("lifetime", {"lifetime": 3}, subscribed_before=False) is None
    assert trial_days("monthly", {}, subscribed_before=False) is None
    assert trial_days("monthly", {"monthly": 0}, subscribed_before=False) is None  # none, not 0
    assert CheckoutOffer().allow_promotion_codes


def test_promotion_code_words() -> None:
    coupon = {"percent_off": 20.0, "duration": "repeating", "duration_in_months": 1, "valid": True}
    assert discount_words(coupon) == "20% off for 1 month"
    assert (
        discount_words({"amount_off": 1000, "duration": "once"}) == "$10.00 off the first payment"
    )
    assert discount_words({"percent_off": 50, "duration": "forever"}) == "50% off"
    raw = {"id": "promo_1", "code": "X", "active": True, "promotion": {"coupon": coupon}}
    assert promotion_offer(raw, now=100).usable
    assert not promotion_offer({**raw, "expires_at": 100}, now=100).usable
    assert not promotion_offer({**raw, "max_redemptions": 2, "times_redeemed": 2}, now=1).usable
    assert not promotion_offer({**raw, "active": False}, now=1).usable
    assert promotion_offer({**raw, "promotion": None, "coupon": coupon}, now=1).usable


@pytest.mark.parametrize("raw", ["lifetime=3", "monthly=a week", "weekly=7", "monthly"])
def test_bad_trial_settings_are_refused_in_one_line(raw: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="LOVETV_TRIAL_DAYS: bad entry"):
        load_config(environ={"LOVETV_TRIAL_DAYS": raw}, instance_path=tmp_path)


def test_a_members_discount_shows_in_the_listing_and_mrr_counts_what_they_pay(
    shop: Shop, env: dict
) -> None:
    from click.testing import CliRunner

    from publisher.cli import main
    from publisher.members.listing import list_members

    shop.stripe.add_promotion_code("LAUNCH", 20, "repeating", 3)
    checkout_params(shop, "yearly", "?code=LAUNCH")
    session_id = shop.stripe.newest_checkout_session()["id"]
    shop.deliver(*shop.stripe.pay_checkout(session_id, "coded@example.com"))
    listing = list_members(shop.services)
    (row,) = listing["members"]
    assert (row["plan"], row["discount"], row["paying_cents"]) == (
        "yearly",
        "20% off for 3 months",
        17760,
    )
    assert listing["summary"]["mrr"] == "14.80"  # $177.60 a year, not $222
    shown = CliRunner(env=env).invoke(main, ["member", "show", "coded@"])
    assert shown.exit_code == 0, shown.output
    assert "  discount: 20% off for 3 months, pays $177.60 a year\n" in shown.output
    assert "None" not in shown.output


def test_pages_that_call_stripe_are_limited_per_client(shop: Shop) -> None:
    form = shop.browser.get(f"{shop.url}/join/monthly", timeout=30)
    token = csrf_token_of(form.text)
    answers = [
        shop.browser.post(
            f"{shop.url}/join/monthly",
            data={"csrf_token": token},
            headers={"Accept": "text/html"},
            allow_redirects=False,
            timeout=30,
        )
        for _ in range(21)
    ]
    assert [a.status_code for a in answers] == [303] * 20 + [429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert "Too many tries" in answers[-1].text
    created = [s for s in shop.stripe.sent if s.path == "/v1/checkout/sessions"]
    assert len(created) == 20  # the refused one asked Stripe nothing
    welcome = shop.browser.get(f"{shop.url}/welcome?session_id=cs_test_guessed", timeout=30)
    assert welcome.status_code == 429


@pytest.mark.parametrize(
    ("cents", "interval", "coupon", "trial", "words"),
    [
        (7700, "month", None, None, "$77 / month"),
        (
            7700,
            "month",
            {"percent_off": 20, "duration": "repeating", "duration_in_months": 3},
            None,
            "$61.60 / month for the first 3 months, then $77 / month",
        ),
        (
            22200,
            "year",
            {"percent_off": 20, "duration": "repeating", "duration_in_months": 3},
            None,
            "$177.60 / year for the first year, then $222 / year",
        ),
        (
            22200,
            "year",
            {"percent_off": 20, "duration": "repeating", "duration_in_months": 13},
            None,
            "$177.60 / year for the first 2 years, then $222 / year",  # 13 months touch two
        ),
        (
            7700,
            "month",
            {"amount_off": 1000, "duration": "once"},
            None,
            "$67 / month for the first month, then $77 / month",
        ),
        (7700, "month", {"percent_off": 50, "duration": "forever"}, None, "$38.50 / month"),
        (
            33300,
            None,
            {"percent_off": 20, "duration": "once"},
            None,
            "$266.40 once (instead of $333)",
        ),
        (7700, "month", None, 7, "7 days free (until 8 May), then $77 / month"),
    ],
)
def test_the_price_as_charged_reads_in_the_order_it_is_paid(
    cents: int, interval: str | None, coupon: dict | None, trial: int | None, words: str
) -> None:
    assert charged_words(cents, interval, coupon, trial, "8 May" if trial else None) == words


def test_a_trial_without_its_end_date_reads_as_its_days_alone() -> None:
    assert charged_words(7700, "month", trial_days=7) == "7 days free, then $77 / month"


def test_a_code_on_a_join_link_shows_on_the_welcome_page_with_how_long_it_lasts(
    shop: Shop,
) -> None:
    shop.stripe.add_promotion_code("LAUNCH", 20, "repeating", 3)
    checkout_params(shop, "monthly", "?code=LAUNCH")
    session_id = shop.stripe.newest_checkout_session()["id"]
    shop.stripe.pay_checkout(session_id, "welcomed@example.com")
    page = shop.welcome(session_id).text
    assert "20% off for 3 months: $61.60 / month, then $77 / month." in page
    assert "Free trial until" in page  # monthly has a trial here: its end and what follows


def test_regular_prices_show_struck_through_beside_the_prices_and_yearly_says_what_it_saves(
    shop: Shop, env: dict
) -> None:
    from click.testing import CliRunner

    from publisher.cli import main

    runner = CliRunner(env=env)
    prices = [
        "show",
        "set",
        "--title",
        "Love TV",
        "--regular-price",
        "monthly=199,yearly=499,lifetime=799",
    ]
    assert runner.invoke(main, prices).exit_code == 0
    got = runner.invoke(main, ["show", "get"])
    assert "regular prices monthly $199, yearly $499, lifetime $799" in got.output
    home = shop.browser.get(f"{shop.url}/", timeout=30).text
    regular = '<s><span class="visually-hidden">Regular price </span>{}</s>'
    for was, now in (("$199", "$77 / month"), ("$499", "$222 / year"), ("$799", "$333 once")):
        assert f"{regular.format(was)} {now}" in home
    assert "Save $702 a year against paying monthly" in home
    join = shop.browser.get(f"{shop.url}/join/yearly", timeout=30).text
    assert f"{regular.format('$499')} <strong>$222 / year</strong>" in join
    assert "Save $702 a year" in join
    bad = runner.invoke(main, ["show", "set", "--regular-price", "weekly=9"])
    assert bad.exit_code == 1 and "bad regular price 'weekly=9'" in bad.output
    assert runner.invoke(main, ["show", "set", "--regular-price", ""]).exit_code == 0
    assert "<s>" not in shop.browser.get(f"{shop.url}/", timeout=30).text


COUPON = {"percent_off": 20.0, "duration": "repeating", "duration_in_months": 3, "valid": True}
CODE = {"id": "promo_1", "code": "SPRING", "active": True, "promotion": {"coupon": COUPON}}
EXPIRED = PromotionOffer("SPRING", "promo_1", False, "this code has expired")
NO_LONGER = PromotionOffer("SPRING", "promo_1", False, "this code is no longer valid")


@pytest.mark.parametrize(
    ("changes", "offer"),
    [
        ({}, PromotionOffer("SPRING", "promo_1", True, "20% off for 3 months", COUPON)),
        (
            {"expires_at": 101},
            PromotionOffer("SPRING", "promo_1", True, "20% off for 3 months", COUPON),
        ),
        ({"expires_at": 100}, EXPIRED),
        (
            {"max_redemptions": 2, "times_redeemed": 1},
            PromotionOffer("SPRING", "promo_1", True, "20% off for 3 months", COUPON),
        ),
        (
            {"max_redemptions": 1},
            PromotionOffer("SPRING", "promo_1", True, "20% off for 3 months", COUPON),
        ),
        ({"max_redemptions": 2, "times_redeemed": 2}, EXPIRED),
        ({"max_redemptions": 0}, EXPIRED),
        ({"active": False}, NO_LONGER),
        ({"promotion": {"coupon": {**COUPON, "valid": False}}}, NO_LONGER),
        # Not expanded: the coupon is only its id, so its terms are unknown.
        ({"promotion": {"coupon": "coupon_1"}}, NO_LONGER),
        # A coupon without `valid` is valid; the older shape carried it at the top.
        (
            {"promotion": None, "coupon": {"amount_off": 500, "duration": "once"}},
            PromotionOffer(
                "SPRING",
                "promo_1",
                True,
                "$5.00 off the first payment",
                {"amount_off": 500, "duration": "once"},
            ),
        ),
        ({"promotion": None}, PromotionOffer("SPRING", "promo_1", True, "$0.00 off", {})),
        (
            {"code": None, "id": None, "active": False},
            PromotionOffer("", "", False, NO_LONGER.words),
        ),
        ({"code": None, "id": None, "expires_at": 1}, PromotionOffer("", "", False, EXPIRED.words)),
    ],
)
def test_a_promotion_code_is_offered_only_while_stripe_would_take_it(
    changes: dict, offer: PromotionOffer
) -> None:
    assert promotion_offer({**CODE, **changes}, now=100) == offer


@pytest.mark.parametrize(
    ("coupon", "words", "cents"),
    [
        ({"percent_off": 10, "duration": "forever", "duration_in_months": 3}, "10% off", 6930),
        (
            {"percent_off": 12.5, "duration": "repeating", "duration_in_months": 1},
            "12.5% off for 1 month",
            6738,
        ),
        ({"percent_off": 100, "duration": "once"}, "100% off the first payment", 0),
        ({"amount_off": 9000, "duration": "once"}, "$90.00 off the first payment", 0),
        ({"amount_off": 1234, "duration": "repeating"}, "$12.34 off", 6466),
        ({"percent_off": None, "amount_off": None}, "$0.00 off", 7700),
    ],
)
def test_a_coupon_reads_as_words_and_takes_off_what_stripe_takes_off(
    coupon: dict, words: str, cents: int
) -> None:
    assert discount_words(coupon) == words
    assert discounted_cents(7700, coupon) == cents
