"""Enclosures through the service: token and access checked on every request.

Runs on SQLite with both stores: the local folder is served here with HEAD and byte
ranges; S3 answers with a short-lived SigV4 presigned redirect.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from support.apps import built_app
from support.service_env import service_env

from publisher.config import load_config
from publisher.listening.notice_audio import NOTICE_AUDIO_LENGTH
from publisher.services import services_of

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


@pytest.fixture
def app(sqlite_url: str, storage_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = service_env(sqlite_url, storage_url)
    yield from built_app(load_config(environ=env, instance_path=tmp_path / "i"))


def is_s3(app) -> bool:  # type: ignore[no-untyped-def]
    return services_of(app).config.storage_url.startswith("s3://")


def test_member_audio_is_a_presigned_redirect_or_the_file_with_ranges(app, client, catalog) -> None:
    path = f"/media/{catalog.token}/{catalog.first.guid}.mp3"
    response = client.get(path, headers={"Range": "bytes=0-1"})
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if is_s3(app):
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert int(query["X-Amz-Expires"][0]) <= 900
    else:
        assert response.status_code == 206 and len(response.data) == 2
        unsatisfiable = client.get(path, headers={"Range": f"bytes={catalog.first.size + 10}-"})
        assert unsatisfiable.status_code == 416
    head = client.head(path)
    assert head.status_code == 200 and head.headers["Accept-Ranges"] == "bytes"
    assert int(head.headers["Content-Length"]) == catalog.first.size


def test_wrong_extension_or_unpublished_episode_is_not_found(client, catalog) -> None:
    base = f"/media/{catalog.token}"
    assert client.get(f"{base}/{catalog.first.guid}.m4a").status_code == 404
    assert client.get(f"{base}/{catalog.scheduled.guid}.mp3").status_code == 404
    assert client.get(f"{base}/{catalog.unpublished.guid}.mp3").status_code == 404
    assert client.get(f"{base}/{catalog.teaser.guid}.chapters.json").status_code == 404


def test_notice_audio_and_cover_are_public_with_exact_length(client) -> None:
    notice = client.get("/media/notice/lapsed.mp3")
    assert notice.status_code == 200 and notice.content_type == "audio/mpeg"
    assert len(notice.data) == NOTICE_AUDIO_LENGTH == int(notice.headers["Content-Length"])
    assert client.get("/media/notice/anything.mp3").status_code == 404
    cover = client.get("/media/cover.png")
    assert cover.status_code == 200 and cover.data.startswith(b"\x89PNG")


def test_artwork_route_serves_only_keys_a_row_names(app, client, catalog) -> None:
    services = services_of(app)
    services.storage.put_bytes("art/abc.png", b"\x89PNG fake", content_type="image/png")
    assert client.get("/artwork/art/abc.png").status_code == 404
    assert client.get(f"/artwork/{catalog.first.audio_key}").status_code == 404
    from publisher.models import Show

    with services.db.session() as session:
        session.get(Show, 1).image_key = "art/abc.png"
    assert client.get("/artwork/art/abc.png").status_code in (200, 302)
