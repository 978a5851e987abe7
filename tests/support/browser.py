"""A real browser for page tests: Playwright driving Debian's chromium (`executable_path`).

`make install` installs chromium with apt-get; under `CI=true` a missing browser fails the
run instead of skipping it. One browser per xdist worker; a fresh context (cookies, size)
per test, at a phone's and a desktop's width.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from support.stripe_app import Shop

CHROMIUM = Path(os.environ.get("LOVETV_TEST_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


_shared: list[object] = []  # this process's browser, whichever module's fixture started it


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture() -> Iterator[object]:
    """Headless chromium, launched once per worker.

    Registered once as a plugin by tests/conftest.py; `_shared` keeps one browser per
    process even if a module defines the fixture again (Playwright's sync API runs once per
    process). Outside CI a machine without chromium skips the browser tests; under CI=true
    that fails the run.
    """
    if _shared:
        yield _shared[0]
        return
    if not CHROMIUM.exists():
        message = f"no browser at {CHROMIUM} (make install installs Debian's chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; CI requires it")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        _shared.append(browser)
        yield browser
        _shared.clear()
        browser.close()


@pytest.fixture(params=["phone", "desktop"], name="page")
def page_fixture(chromium, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A new tab in a fresh context at a phone's or a desktop's size; console errors fail."""
    viewport = PHONE if request.param == "phone" else DESKTOP
    context = chromium.new_context(viewport=viewport, is_mobile=request.param == "phone")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[tuple[str, str]] = []
    page.on(
        "console",
        lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append((str(e), "")))
    page.outside_origins = []  # type: ignore[attr-defined]  # pages of others (e.g. Stripe's)
    page.expected_failures = []  # type: ignore[attr-defined]  # URLs a test opens to see an error
    yield page
    context.close()
    ours = [
        f"{text} at {url}"
        for text, url in errors
        if not _outside(page, url) and not _expected_failure(page, text, url)
    ]
    assert not ours, f"the page logged errors: {ours}"


def _expected_failure(page: object, text: str, url: str) -> bool:
    """Chromium logs every error status of a page it loads: the one a test asked for is fine."""
    failed = text.startswith("Failed to load resource")
    return failed and url in page.expected_failures  # type: ignore[attr-defined]


def _outside(page: object, url: str) -> bool:
    return any(url.startswith(origin) for origin in page.outside_origins)  # type: ignore[attr-defined]


def tab_stops(page: Any) -> list[str]:
    """Tab through a freshly loaded page once; each stop is marked `data-tab-stop="<n>"`.

    Keyboard users reach controls only through this order, so tests assert that each
    control they then press carries a mark (`reached_by_tab`). Returns the stops' names.
    A media player's own buttons (play, timeline, volume) keep focus on its `<audio>`
    element, so Tab landing on the element just marked again moves on, not out.
    """
    names: list[str] = []
    for _ in range(MAX_TAB_PRESSES):
        page.keyboard.press("Tab")
        name = page.evaluate(_MARK_FOCUSED, len(names))
        if name == _SAME_ELEMENT:
            continue
        if name is None:  # back at the start, or out of the page
            return names
        names.append(name)
        if len(names) > MAX_TAB_STOPS:
            break
    raise AssertionError(f"more than {MAX_TAB_STOPS} tab stops: {names}")


MAX_TAB_STOPS = 80
MAX_TAB_PRESSES = 4 * MAX_TAB_STOPS
_SAME_ELEMENT = "@same"
_MARK_FOCUSED = """n => {
  const e = document.activeElement;
  if (e && e === window.__lastTabStop && e.hasAttribute("data-tab-stop")) return "@same";
  if (!e || e === document.body || e.hasAttribute("data-tab-stop")) return null;
  e.setAttribute("data-tab-stop", String(n));
  window.__lastTabStop = e;
  return (e.tagName + " " + (e.getAttribute("aria-label") || e.textContent || e.id || "")).trim();
}"""


def reached_by_tab(control: Any) -> int:
    """The control's place in the tab order (after `tab_stops`); fails when Tab skips it."""
    control.wait_for(state="visible")
    place = control.get_attribute("data-tab-stop")
    assert place is not None, f"Tab never reaches {control}"
    return int(place)


def press(page: Any, control: Any, key: str = "Enter") -> None:
    """Focus a control and press a key on it, as a keyboard user does (who must see where)."""
    control.focus()
    outline = control.evaluate(_FOCUS_RING)
    assert outline, f"{control} shows no focus ring when focused"
    page.keyboard.press(key)


_FOCUS_RING = """e => {
  const s = getComputedStyle(e);
  return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
}"""


def labelled_field(page: Any, label: str) -> Any:
    """The input whose visible <label> says `label` (exact), failing when there is none."""
    field = page.get_by_label(label, exact=True)
    assert field.count() == 1, f"no single field labelled {label!r}"
    tag = page.locator("label", has_text=label).first
    assert tag.is_visible(), f"the label {label!r} is not visible"
    return field


def assert_fits_the_screen(page: Any, *controls: Any) -> None:
    """No sideways scrolling, and each control lies wholly inside the screen's width.

    The screen is the viewport the context was made with: a phone browser widens
    `innerWidth` to whatever overflows, so `innerWidth` alone would hide the overflow.
    """
    width = page.viewport_size["width"]
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert max(wide) <= width, f"the page scrolls sideways: {max(wide)}px on a {width}px screen"
    for control in controls:
        box = control.bounding_box()
        assert box is not None, f"{control} is not displayed"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{control} overflows: {box}"


def account_cookie(page: Any) -> list[dict[str, Any]]:
    """The browser's `lovetv_account` cookies (the signed-in session), if any."""
    return [c for c in page.context.cookies() if c["name"] == "lovetv_account"]


def leave_for_checkout(page: Any, shop: Shop, plan: str) -> str:
    """Open `/join/<plan>`, press Continue with the keyboard; the Checkout Session's id."""
    page.goto(f"{shop.url}/join/{plan}")
    page.outside_origins.append(shop.stripe.base_url)  # the fake's hosted page is not ours
    with page.expect_request(lambda r: r.url.startswith(shop.stripe.base_url)) as to_stripe:
        press(page, page.get_by_role("button", name="Continue to payment"))
    page.wait_for_url(lambda url: url.startswith(shop.stripe.base_url))  # and its load event
    return to_stripe.value.url.rstrip("/").rsplit("/", 1)[1]


SERIOUS_IMPACTS = ("serious", "critical")


def assert_accessible(page: Any) -> None:
    """axe-core (through axe-playwright-python, which ships it) finds nothing serious.

    Every WCAG rule axe runs by default is checked; only `serious` and `critical` findings
    fail, each reported with its rule and the elements it found.
    """
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
        if v["impact"] in SERIOUS_IMPACTS
    ]
    assert not found, f"accessibility violations on {page.url}: {found}"
