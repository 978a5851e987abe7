"""Member feeds are answered before Flask, exactly as the Flask route answers them.

The fast path (`publisher.web.feed_fast_path`) must not change a single byte or header a
podcast app sees, must still look the token up and decide access on every request, and
must hand everything else (other methods, foreign hosts, a browser's page load, its own
failures) to Flask.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from publisher.listening.member_feeds import MemberFeeds
from publisher.models import Member, utcnow
from publisher.web.feed_fast_path import MemberFeedFastPath

# On both databases, with the local store only: the feed path never reads audio.


class CountingApp:
    """The Flask side of the app, counting the requests that reach it."""

    def __init__(self, app: Callable) -> None:  # type: ignore[type-arg]
        self.app = app
        self.calls = 0

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def flask_side(app) -> CountingApp:  # type: ignore[no-untyped-def]
    fast = app.wsgi_app
    while not isinstance(fast, MemberFeedFastPath):
        fast = fast.app  # inside the request metrics (and any other outer middleware)
    fast.app = CountingApp(fast.app)
    return fast.app


def answered_by_flask(flask_side: CountingApp, method: str, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    """The same request through Flask only (the route, with every hook)."""
    return Client(flask_side.app, Response).open(path, method=method, headers=headers)


def set_member(catalog, **fields) -> None:  # type: ignore[no-untyped-def]
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        for name, value in fields.items():
            setattr(member, name, value)


def requests_of(catalog, etag: str) -> list[tuple[str, str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    feed = catalog.feed_path()
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    return [
        ("GET", feed, {}),
        ("GET", feed, {"Accept-Encoding": "gzip"}),
        ("GET", feed, {"Accept": "*/*"}),
        ("GET", feed, {"Accept": "application/rss+xml"}),
        ("GET", feed, {"Accept": "application/xml, text/html;q=0.5"}),
        ("GET", feed, {"Accept": "*/*", "Sec-Fetch-Mode": "no-cors"}),
        ("GET", feed, {"If-None-Match": etag}),
        ("GET", feed, {"If-None-Match": '"other"', "If-Modified-Since": future}),
        ("GET", feed, {"If-Modified-Since": future}),
        ("HEAD", feed, {}),
        ("GET", catalog.feed_path(slug="season-9"), {}),
        ("GET", catalog.feed_path(token="A" * 43), {}),
        ("GET", catalog.feed_path(token="short"), {}),
    ]


def same_answer(fast, slow) -> None:  # type: ignore[no-untyped-def]
    assert fast.status_code == slow.status_code
    assert fast.data == slow.data
    fast_headers = {k: v for k, v in fast.headers.items() if k != "X-Request-Id"}
    slow_headers = {k: v for k, v in slow.headers.items() if k != "X-Request-Id"}
    assert fast_headers == slow_headers


@pytest.mark.parametrize("state", ["active", "past_due", "lapsed", "revoked"])
def test_every_answer_is_the_flask_routes_answer_byte_for_byte(
    client, catalog, flask_side: CountingApp, state: str
) -> None:
    if state == "past_due":
        set_member(catalog, billing_state="past_due", grace_until=utcnow() + timedelta(days=3))
    elif state != "active":
        set_member(catalog, status=state)
    etag = client.get(catalog.feed_path()).headers["ETag"]
    for method, path, headers in requests_of(catalog, etag):
        before = flask_side.calls
        fast = client.open(path, method=method, headers=headers)
        assert flask_side.calls == before, (method, path, headers)  # Flask never saw it
        same_answer(fast, answered_by_flask(flask_side, method, path, headers))
        assert fast.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("state", ["active", "revoked"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        {"Accept": "*/*", "Sec-Fetch-Mode": "navigate"},
    ],
)
def test_a_browser_page_load_is_left_to_flask_which_renders_the_feeds_page(
    client, catalog, flask_side: CountingApp, state: str, headers: dict[str, str]
) -> None:
    if state != "active":
        set_member(catalog, status=state)
    for path, status in (
        (catalog.feed_path(), 200),
        (catalog.feed_path(slug="season-9"), 404),
        (catalog.feed_path(token="A" * 43), 404),
    ):
        before = flask_side.calls
        page = client.get(path, headers=headers)
        assert flask_side.calls == before + 1, path
        assert page.status_code == status and page.mimetype == "text/html"
        same_answer(page, answered_by_flask(flask_side, "GET", path, headers))


def test_access_is_decided_on_every_request(client, catalog, flask_side: CountingApp) -> None:
    first = client.get(catalog.feed_path())
    assert b"Opening up" in first.data
    set_member(catalog, status="revoked")
    second = client.get(catalog.feed_path(), headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"Opening up" not in second.data
    assert flask_side.calls == 0


def test_a_well_formed_request_id_is_kept_and_any_other_replaced(client, catalog) -> None:
    kept = client.get(catalog.feed_path(), headers={"X-Request-Id": "lb-0123456789"})
    assert kept.headers["X-Request-Id"] == "lb-0123456789"
    for sent in ("x", "evil;Set-Cookie=a", "a" * 65):
        replaced = client.get(catalog.feed_path(), headers={"X-Request-Id": sent})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])


def test_other_methods_foreign_hosts_and_other_paths_go_to_flask(
    client, catalog, flask_side: CountingApp
) -> None:
    assert client.get(catalog.feed_path(), headers={"Host": "evil.example"}).status_code == 400
    assert client.post(catalog.feed_path()).status_code in (400, 405)
    assert client.get("/feeds/teaser.xml").status_code == 200
    assert client.get("/feeds/é/season-1.xml").status_code == 404
    assert flask_side.calls == 4


def test_a_failure_in_the_fast_path_gets_flasks_500_without_the_token_in_the_log(
    app, client, catalog, flask_side: CountingApp, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as served, not as under a debugger

    def broken(self, asked, token, slug):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr(MemberFeeds, "answer", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(catalog.feed_path())
    assert response.status_code == 500
    assert flask_side.calls == 1
    assert "a bug" in caplog.text
    assert catalog.token not in caplog.text
