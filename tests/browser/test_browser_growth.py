"""Growing the membership in a real browser, on `make run`'s server with demo billing and a
trial configured: a trial join, a join by a link with a promotion code, and a gift bought,
delivered and redeemed, at a phone's and a desktop's width, with axe-core on the gift pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from support.browser import assert_accessible, assert_fits_the_screen, labelled_field
from support.made_run import MadeRun, app_fetch, link_in_mail, made_run, submit


@pytest.fixture(scope="module", name="made_run")
def made_run_with_trials(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MadeRun]:
    yield from made_run(tmp_path_factory, LOVETV_TRIAL_DAYS="monthly=7")


def width(page) -> int:  # type: ignore[no-untyped-def]
    return page.viewport_size["width"]


def checkout_as(page, buyer: str) -> None:  # type: ignore[no-untyped-def]
    """On the demo Checkout: type the address when asked, then Pay (demo)."""
    page.wait_for_url(re.compile(r"/c/pay/cs_"))
    if page.get_by_label("Email", exact=True).count():
        labelled_field(page, "Email").fill(buyer)
    submit(page, page.get_by_role("button", name="Pay (demo)"))


def test_a_trial_join_says_what_is_free_and_starts_a_trial(made_run: MadeRun, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(made_run.url + "/")
    assert "7 days free, then $77 / month" in page.text_content("#plan-monthly")
    page.goto(made_run.url + "/join/monthly")
    assert "7 days free" in page.text_content("main")
    submit(page, page.get_by_role("button", name="Continue to payment"))
    assert "7 days free" in page.text_content("main")
    checkout_as(page, f"trial-{width(page)}@example.com")
    feed_url = page.get_by_label(re.compile("^Private feed link for")).first.input_value()
    assert app_fetch(feed_url)["episodes"], "a trialing member listens as an active one"


def test_a_join_link_with_a_code_shows_and_applies_the_discount(made_run: MadeRun, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(made_run.url + "/join/yearly?code=launch")
    assert "Code LAUNCH: 20% off for 3 months." in page.text_content("main")
    submit(page, page.get_by_role("button", name="Continue to payment"))
    assert "Promotion code LAUNCH: 20% off for 3 months." in page.text_content("main")
    checkout_as(page, f"coded-{width(page)}@example.com")
    assert "/welcome?session_id=" in page.url
    page.goto(made_run.url + "/join/yearly?code=NOSUCH")
    text = page.text_content("main")
    assert "The code NOSUCH does not exist, so the plan is shown at its full price." in text


def test_a_gift_is_bought_delivered_and_redeemed(made_run: MadeRun, page) -> None:  # type: ignore[no-untyped-def]
    partner = f"partner-{width(page)}@example.com"
    page.goto(made_run.url + "/gift")
    assert_accessible(page)
    yearly = page.locator("section[aria-labelledby=gift-yearly]")
    yearly.get_by_text("Give a year of Love TV").click()  # each gift's form unfolds from its card
    name = yearly.get_by_label("Their name", exact=True)
    assert_fits_the_screen(page, name)
    name.fill("Sam")
    yearly.get_by_label("Their email address", exact=True).fill(partner)
    yearly.get_by_label("Your message (optional)", exact=True).fill("For the two of us.")
    submit(page, yearly.get_by_role("button", name="Continue to payment"))
    checkout_as(page, f"giver-{width(page)}@example.com")
    assert page.url.startswith(made_run.url + "/gift/thanks")
    assert "We have emailed them their gift." in page.text_content("main")
    assert_accessible(page)

    delivery = made_run.mail(partner, "you have a gift")
    page.goto(link_in_mail(delivery, "/gift/redeem/"))
    assert "For the two of us." in page.text_content("main")
    assert_accessible(page)
    labelled_field(page, "Your email address").fill(partner)
    submit(page, page.get_by_role("button", name="Email me a link to redeem it"))
    assert f"on its way to {partner}" in page.text_content("main")
    page.goto(link_in_mail(made_run.mail(partner, "Redeem your"), "/gift/claim/"))
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Redeem the gift"))
    assert page.url == f"{made_run.url}/account"
    feed = page.locator("input[readonly]").first.input_value()
    assert app_fetch(feed)["episodes"]
