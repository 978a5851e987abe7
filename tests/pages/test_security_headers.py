"""Every page carries a CSP it satisfies, nosniff and no framing; a foreign Host is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.hardening import BASE_URL, built, plain_env

TEMPLATES = Path(__file__).resolve().parents[2] / "publisher" / "web" / "templates"
PAGES = ("/", "/join/monthly", "/account/sign-in", "/account/sign-in/" + "x" * 43, "/nothing")


@pytest.fixture
def client(sqlite_url: str, local_storage_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    # Billing configured (GET /join creates nothing at Stripe, so no Stripe is needed).
    env = plain_env(
        sqlite_url,
        local_storage_url,
        STRIPE_API_KEY="sk_test_never_called",
        LOVETV_STRIPE_PRICES="monthly=price_m,yearly=price_y,lifetime=price_l",
    )
    for app in built(env, tmp_path / "instance"):
        yield app.test_client()


def csp_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d for d in (p.strip() for p in policy.split(";")) if d}


@pytest.mark.parametrize("path", PAGES)
def test_every_html_page_sends_a_strict_csp_nosniff_and_no_framing(client, path: str) -> None:  # type: ignore[no-untyped-def]
    browser = {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}  # a 404 is a page for them
    response = client.get(path, base_url=BASE_URL, headers=browser)
    assert response.mimetype == "text/html", (path, response.status_code)
    csp = csp_of(response)
    assert csp["script-src"] == "script-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["img-src"] == "img-src 'self' data:"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin")
    # The page satisfies its own policy: no inline script and no inline event handler.
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_no_template_holds_an_inline_script_or_handler() -> None:
    """Pages not reachable without a purchase or a session (welcome, account) included."""
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template.name
        assert not re.search(r"\son[a-z]+\s*=", html), template.name
        for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', html):
            assert src.startswith("/static/"), (template.name, src)


def test_the_copy_script_is_served_as_javascript_from_our_own_origin(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/copy.js", base_url=BASE_URL)
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"navigator.clipboard.writeText" in response.data


def test_pages_that_carry_secrets_keep_no_referrer(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/account/sign-in/" + "x" * 43, base_url=BASE_URL)
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "podcasts.lovetv.test.evil"])
def test_a_foreign_host_header_never_becomes_a_redirect(client, host: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("//feeds//teaser.xml", headers={"Host": host})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "evil" not in response.get_data(as_text=True)


def test_the_base_urls_host_and_loopback_are_served(client) -> None:  # type: ignore[no-untyped-def]
    for host in ("podcasts.lovetv.test", "PODCASTS.lovetv.test:443", "127.0.0.1:5000", "[::1]:80"):
        response = client.get("/healthz", headers={"Host": host})
        assert response.status_code == 200, host
    redirect = client.get("//feeds//teaser.xml", headers={"Host": "podcasts.lovetv.test"})
    assert redirect.status_code in (301, 308)
    assert redirect.headers["Location"].startswith(("/", "http://podcasts.lovetv.test/"))


def test_a_well_formed_request_id_is_echoed_and_a_hostile_one_replaced(client) -> None:  # type: ignore[no-untyped-def]
    kept = client.get("/healthz", base_url=BASE_URL, headers={"X-Request-Id": "lb-1234abcd"})
    assert kept.headers["X-Request-Id"] == "lb-1234abcd"
    for hostile in ("short", "x" * 65, "abc def ghi", 'a"b\\c/d<e>f'):
        answer = client.get("/healthz", base_url=BASE_URL, headers={"X-Request-Id": hostile})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])
    fresh = {client.get("/healthz", base_url=BASE_URL).headers["X-Request-Id"] for _ in range(3)}
    assert len(fresh) == 3


def test_an_https_service_tells_browsers_to_stay_on_https(config) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from publisher.app import create_app

    secure = create_app(config=replace(config, base_url="https://podcasts.lovetv.test"))
    answer = secure.test_client().get("/", headers={"Host": "podcasts.lovetv.test"})
    assert answer.headers["Strict-Transport-Security"] == "max-age=63072000"
    plain = (
        create_app(config=config).test_client().get("/", headers={"Host": "podcasts.lovetv.test"})
    )
    assert "Strict-Transport-Security" not in plain.headers
