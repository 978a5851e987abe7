"""A real browser for page tests: Playwright driving Debian's chromium (`executable_path`).

`make install` installs chromium with apt-get; under `CI=true` a missing browser fails the
run instead of skipping it. One browser per xdist worker; a fresh context (cookies, size)
per test, at a phone's and a desktop's width.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LOVETV_TEST_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture() -> Iterator[object]:
    """Headless chromium, launched once per worker."""
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
        yield browser
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
    yield page
    context.close()
    ours = [f"{text} at {url}" for text, url in errors if not _outside(page, url)]
    assert not ours, f"the page logged errors: {ours}"


def _outside(page: object, url: str) -> bool:
    return any(url.startswith(origin) for origin in page.outside_origins)  # type: ignore[attr-defined]
