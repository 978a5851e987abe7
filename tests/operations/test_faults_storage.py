"""A frozen or stopped S3 server: quick 503s with Retry-After where the store is needed,
everything else (feeds, presigned media links, liveness, readiness) keeps answering, and
`lovetv serve` recovers by itself when the store is back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.hardening import SECRET, plain_env
from support.private_s3 import PrivateS3, private_s3
from support.served import Served, lovetv_serve

from publisher.config import load_config
from publisher.services import Services

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3

# The documented bound (docs/security.md): under 5 s; the margin covers a loaded machine.
LIMIT_SECONDS = 7.0
ARTWORK = "art/show.png"
BUCKET = "faults"


@pytest.fixture
def s3() -> Iterator[PrivateS3]:
    with private_s3() as server:
        yield server


def fill_bucket(s3: PrivateS3) -> None:
    client = s3.client()
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key=f"media/{ARTWORK}", Body=b"\x89PNG\r\n\x1a\n" + b"0" * 64)


@pytest.fixture
def served(s3: PrivateS3, sqlite_url: str, tmp_path: Path, mp3_file: Path) -> Iterator[Served]:
    env = {**plain_env(sqlite_url, f"s3://{BUCKET}/media"), **s3.env()}
    fill_bucket(s3)
    saved = {k: os.environ.get(k) for k in s3.env()}
    os.environ.update(s3.env())
    try:
        services = Services.from_config(load_config(environ=env, instance_path=tmp_path / "i"))
        with services.db.session() as session:
            make_show(session, image_key=ARTWORK)
            season = make_season(session)
            episode = make_episode(session, services.storage, season, mp3_file)
            _, token = make_member(session, SECRET, "ann@example.com")
        services.db.dispose()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    with lovetv_serve(env, tmp_path) as server:
        server.paths = {  # type: ignore[attr-defined]
            "feed": f"/feeds/{token}/season-1.xml",
            "media": f"/media/{token}/{episode.guid}.mp3",
        }
        yield server


def request(served: Served, method: str, path: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.request(method, served.url + path, timeout=30, allow_redirects=False)
    return response, time.monotonic() - started


def assert_store_free_routes_answer(served: Served) -> None:
    paths = served.paths  # type: ignore[attr-defined]
    for method, path, status in (
        ("GET", "/healthz", 200),
        ("GET", "/media/cover.png", 200),
        ("GET", paths["feed"], 200),
        ("GET", paths["media"], 302),  # a presigned link needs no call to the store
    ):
        response, took = request(served, method, path)
        assert response.status_code == status and took < 2.0, (path, response.status_code, took)
    ready, took = request(served, "GET", "/readyz")
    assert ready.status_code == 200 and took < 3.0, took
    assert ready.json()["checks"]["storage"] == "unavailable"


def assert_quick_503(served: Served) -> None:
    response, took = request(served, "HEAD", f"/artwork/{ARTWORK}")
    assert response.status_code == 503, response.status_code
    assert int(response.headers["Retry-After"]) > 0
    assert took < LIMIT_SECONDS, took


def test_a_frozen_store_gets_503s_in_time_and_service_resumes_when_it_thaws(
    s3: PrivateS3, served: Served
) -> None:
    assert request(served, "HEAD", f"/artwork/{ARTWORK}")[0].status_code == 200
    s3.freeze()
    try:
        assert_quick_503(served)
        assert_store_free_routes_answer(served)
    finally:
        s3.thaw()
    assert request(served, "HEAD", f"/artwork/{ARTWORK}")[0].status_code == 200
    assert request(served, "GET", "/readyz")[0].json()["checks"]["storage"] == "ok"


def test_a_stopped_store_gets_503s_and_service_resumes_when_it_returns(
    s3: PrivateS3, served: Served
) -> None:
    s3.stop()
    assert_quick_503(served)
    assert_store_free_routes_answer(served)
    s3.start()
    fill_bucket(s3)  # moto comes back empty; a real store comes back with its objects
    assert request(served, "HEAD", f"/artwork/{ARTWORK}")[0].status_code == 200
    assert served.process.poll() is None
    assert "Traceback" not in served.log.read_text()
