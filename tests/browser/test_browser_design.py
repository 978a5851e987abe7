"""The site's look in a real browser, on `make run`'s server, at a phone's and a desktop's
width: every button is a comfortable touch target in readable text, every page has a header
leading home, the gift page is reachable from the home and join pages, and axe-core finds
nothing serious on any of them.
"""

from __future__ import annotations

import time

import pytest
import requests
from support.browser import assert_accessible, assert_fits_the_screen, labelled_field
from support.made_run import MadeRun, link_in_mail, submit

DEMO_MEMBER = "demo-member@lovetv.example"
PUBLIC_PAGES = ("/", "/join/monthly", "/account/sign-in", "/gift")
MIN_TOUCH_PX = 44  # Apple's Human Interface Guidelines, WCAG 2.5.5
MIN_TEXT_PX = 16

# Every button and submit on the page, folded ones unfolded first: (label, height, text size).
BUTTONS = """() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const all = document.querySelectorAll(
    "button, input[type=submit], input[type=button], input[type=reset], a.button, [role=button]");
  return [...all].filter(e => e.getClientRects().length).map(e => [
    (e.textContent || e.value || "").trim(),
    e.getBoundingClientRect().height,
    parseFloat(getComputedStyle(e).fontSize),
  ]);
}"""


def assert_buttons_are_touch_targets(page, path: str) -> None:  # type: ignore[no-untyped-def]
    buttons = page.evaluate(BUTTONS)
    assert buttons, f"{path} has no button to press"
    small = [b for b in buttons if b[1] < MIN_TOUCH_PX or b[2] < MIN_TEXT_PX]
    assert small == [], f"{path}: buttons under {MIN_TOUCH_PX} px or with text under 16 px"


def assert_header_leads_home(page, path: str) -> None:  # type: ignore[no-untyped-def]
    home = page.locator("header a[href='/']")
    assert home.count() == 1 and home.is_visible(), f"{path} has no header link home"
    assert_fits_the_screen(page, home)


USED_LINKS: set[str] = set()  # the module's server outlives a test: skip spent links


def new_sign_in_link(made_run: MadeRun, timeout: float = 20.0) -> str:
    """The demo member's newest sign-in link, once the email asked for has been written."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        link = link_in_mail(made_run.mail(DEMO_MEMBER, "sign-in link"), "/account/sign-in/")
        if link not in USED_LINKS:
            USED_LINKS.add(link)
            return link
        time.sleep(0.2)
    raise AssertionError("no new sign-in link was emailed")


def sign_in_as_the_demo_member(page, made_run: MadeRun) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{made_run.url}/account/sign-in")
    labelled_field(page, "Your email address").fill(DEMO_MEMBER)
    submit(page, page.get_by_role("button", name="Email me a sign-in link"))
    page.goto(new_sign_in_link(made_run))
    submit(page, page.locator("main").get_by_role("button", name="Sign in"))
    assert page.url == f"{made_run.url}/account"


def test_every_button_is_a_touch_target_and_every_page_leads_home(  # type: ignore[no-untyped-def]
    made_run: MadeRun, page
) -> None:
    for path in PUBLIC_PAGES:
        page.goto(made_run.url + path)
        assert_header_leads_home(page, path)
        assert_buttons_are_touch_targets(page, path)
        assert_accessible(page)
    sign_in_as_the_demo_member(page, made_run)
    assert_header_leads_home(page, "/account")
    assert_buttons_are_touch_targets(page, "/account")
    assert_accessible(page)


def test_an_episode_page_and_a_missing_page_lead_home(made_run: MadeRun, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(made_run.url + "/")
    episode = page.locator("article.episode h3 a").first.get_attribute("href")
    page.goto(made_run.url + episode)
    assert_header_leads_home(page, episode)
    assert_accessible(page)
    page.expected_failures.append(f"{made_run.url}/no/such/page")
    assert page.goto(f"{made_run.url}/no/such/page").status == 404
    assert_header_leads_home(page, "404")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/join/monthly", "/join/yearly"])
def test_the_home_and_join_pages_link_the_gift_page(made_run: MadeRun, path: str) -> None:
    html = requests.get(made_run.url + path, timeout=30).text
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    assert 'href="/gift"' in main, f"{path} offers no gift in its body"
    assert 'href="/gift"' in html.split("</main>", 1)[1], f"{path}'s footer offers no gift"
