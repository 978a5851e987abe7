"""`GET /healthz` reports the database and the storage."""

from __future__ import annotations

from publisher.app import services_of


def test_healthz_answers_200_when_both_answer(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "storage": "ok"}


def test_healthz_answers_503_naming_a_broken_storage(app, client, s3_endpoint) -> None:
    from audio.storage import open_storage

    services_of(app).storage = open_storage("s3://bucket-that-does-not-exist")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["storage"].startswith("error:")


def test_robots_keep_crawlers_out_of_private_urls_and_the_favicon_is_served(client) -> None:  # type: ignore[no-untyped-def]
    robots = client.get("/robots.txt").get_data(as_text=True)
    for private in ("/feeds/", "/media/", "/account", "/welcome"):
        assert f"Disallow: {private}" in robots
    assert "Allow: /feeds/teaser.xml" in robots
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
