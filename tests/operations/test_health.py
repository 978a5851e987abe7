"""`/healthz` says the process answers; `/readyz` says the database does, with its schema."""

from __future__ import annotations

import time

from sqlalchemy import text

from publisher.db import Database
from publisher.services import services_of

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"


def test_readyz_answers_200_when_the_database_answers_with_the_current_schema(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "storage": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_liveness_needs_no_database_and_readiness_fails_without_naming_it(app, client) -> None:  # type: ignore[no-untyped-def]
    services = services_of(app)
    services.db = Database(UNREACHABLE)
    try:
        started = time.monotonic()
        live = client.get("/healthz")
        assert live.status_code == 200 and live.get_json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert time.monotonic() - started < 6
    finally:
        services.db.dispose()
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert ready.get_json()["checks"]["database"] == "unavailable"
    body = ready.get_data(as_text=True)
    for detail in ("127.0.0.1", "9", "nowhere", "postgres", "refused"):
        assert detail not in body.replace("503", "")


def test_a_storage_outage_is_reported_but_does_not_fail_readiness(app, client, s3_endpoint) -> None:  # type: ignore[no-untyped-def]
    from audio.storage import open_storage

    services_of(app).storage = open_storage("s3://bucket-that-does-not-exist")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "storage": "unavailable"}
    assert "bucket-that-does-not-exist" not in response.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200


def test_readiness_fails_on_a_schema_behind_the_code(app, client) -> None:  # type: ignore[no-untyped-def]
    with services_of(app).db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "schema out of date"
    assert client.get("/healthz").status_code == 200


def test_robots_keep_crawlers_out_of_private_urls_and_the_favicon_is_served(client) -> None:  # type: ignore[no-untyped-def]
    robots = client.get("/robots.txt").get_data(as_text=True)
    for private in ("/feeds/", "/media/", "/account", "/welcome"):
        assert f"Disallow: {private}" in robots
    assert "Allow: /feeds/teaser.xml" in robots
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
