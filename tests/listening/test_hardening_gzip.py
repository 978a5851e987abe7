"""Feeds are gzipped only for clients that accept gzip: `gzip;q=0` is a refusal."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.hardening import SECRET, built, plain_env

from publisher.services import services_of


@pytest.fixture
def feed(sqlite_url: str, local_storage_url: str, tmp_path: Path, mp3_file: Path):  # type: ignore[no-untyped-def]
    for app in built(plain_env(sqlite_url, local_storage_url), tmp_path / "instance"):
        services = services_of(app)
        with services.db.session() as session:
            make_show(session)
            make_episode(session, services.storage, make_season(session), mp3_file)
            _, token = make_member(session, SECRET, "ann@example.com")
        yield app.test_client(), f"/feeds/{token}/season-1.xml"


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0, deflate", False),
        ("identity", False),
        ("x-gzip-not-really", False),
        (None, False),
    ],
)
def test_feeds_are_gzipped_only_when_gzip_is_acceptable(feed, accept, gzipped) -> None:  # type: ignore[no-untyped-def]
    client, path = feed
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert (response.headers.get("Content-Encoding") == "gzip") is gzipped
    body = gzip.decompress(response.data) if gzipped else response.data
    assert body.startswith(b"<?xml")
