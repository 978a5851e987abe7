"""A frozen or stopped PostgreSQL: quick 503s with Retry-After, the rest keeps answering, and
`lovetv serve` recovers by itself when the database is back.

The server is the test's own (`support.private_pg`), never the machine's shared one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.hardening import SECRET, plain_env
from support.private_pg import PrivatePostgres, private_postgres
from support.served import Served, lovetv_serve

from publisher.config import load_config
from publisher.services import Services

# The documented bound (docs/security.md, "Time limits"): a request waiting on an unavailable
# database gets its 503 within 6 s. The margin covers a loaded test machine.
LIMIT_SECONDS = 8.0


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def served(postgres: PrivatePostgres, tmp_path: Path, mp3_file: Path) -> Iterator[Served]:
    url = postgres.create_database(f"faults_{time.monotonic_ns()}")
    env = plain_env(url, f"file://{tmp_path / 'media'}")
    services = Services.from_config(load_config(environ=env, instance_path=tmp_path / "i"))
    services.db.upgrade()
    with services.db.session() as session:
        make_show(session)
        season = make_season(session)
        episode = make_episode(session, services.storage, season, mp3_file)
        _, token = make_member(session, SECRET, "ann@example.com")
    services.db.dispose()
    with lovetv_serve(env, tmp_path) as server:
        server.paths = {  # type: ignore[attr-defined]
            "feed": f"/feeds/{token}/season-1.xml",
            "media": f"/media/{token}/{episode.guid}.mp3",
        }
        yield server


def timed_get(url: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=30, allow_redirects=False)
    return response, time.monotonic() - started


def assert_unaffected_routes_answer(served: Served) -> None:
    for path in ("/healthz", "/media/cover.png"):
        response, took = timed_get(served.url + path)
        assert response.status_code == 200 and took < 1.0, (path, response.status_code, took)


def assert_quick_503(served: Served, path: str) -> None:
    response, took = timed_get(served.url + path)
    assert response.status_code == 503, (path, response.status_code, response.text[:200])
    assert int(response.headers["Retry-After"]) > 0
    assert took < LIMIT_SECONDS, (path, took)
    for internal in ("127.0.0.1", "psycopg", "Traceback", "SELECT", "postgres"):
        assert internal not in response.text


def wait_for_recovery(served: Served, path: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(served.url + path, timeout=30, allow_redirects=False)
        if response.status_code in (200, 302):
            return
        assert time.monotonic() < deadline, (path, response.status_code)
        time.sleep(0.3)


def test_a_frozen_database_gets_503s_in_time_and_service_resumes_when_it_thaws(
    postgres: PrivatePostgres, served: Served
) -> None:
    paths = served.paths  # type: ignore[attr-defined]
    for path in (paths["feed"], paths["media"], "/readyz"):
        assert requests.get(served.url + path, timeout=10, allow_redirects=False).ok
    postgres.freeze()
    try:
        with ThreadPoolExecutor(2) as pool:
            # Requests stuck on the database do not hold up those that need none.
            pending = pool.submit(assert_quick_503, served, paths["feed"])
            time.sleep(0.2)
            assert_unaffected_routes_answer(served)
            pending.result()
        assert_quick_503(served, paths["media"])
        assert_quick_503(served, "/readyz")
        assert_unaffected_routes_answer(served)
    finally:
        postgres.thaw()
    for path in (paths["feed"], paths["media"], "/readyz"):
        wait_for_recovery(served, path)
    assert served.process.poll() is None  # the same server, never restarted


def test_a_stopped_database_gets_503s_and_service_resumes_when_it_restarts(
    postgres: PrivatePostgres, served: Served
) -> None:
    paths = served.paths  # type: ignore[attr-defined]
    assert requests.get(served.url + paths["feed"], timeout=10).status_code == 200
    assert requests.get(served.url + "/", timeout=10).status_code == 200
    postgres.stop()
    try:
        for path in (paths["feed"], paths["media"], "/readyz", paths["feed"]):
            assert_quick_503(served, path)
        assert_unaffected_routes_answer(served)
        # A person's browser gets the site's own page, still with Retry-After.
        navigate = {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}
        page = requests.get(served.url + "/", headers=navigate, timeout=30)
        assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
        assert page.headers["Content-Type"].startswith("text/html")
        assert "<h1>We&#39;ll be right back</h1>" in page.text and "<footer" in page.text
        assert "postgres" not in page.text and "Traceback" not in page.text
    finally:
        postgres.start()
    for path in (paths["feed"], paths["media"], "/readyz"):
        wait_for_recovery(served, path)
    assert served.process.poll() is None
    log = served.log.read_text()
    assert "Traceback" not in log
