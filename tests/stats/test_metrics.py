"""`GET /metrics`: Prometheus' format, read by prometheus_client's own parser; counters that
add up across gunicorn's workers; answered only to loopback or the bearer token."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.served import lovetv_serve
from support.service_env import service_env

from publisher.app import create_app
from publisher.config import load_config
from publisher.services import Services

TOKEN = "metrics-bearer-token-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by name and labels, as Prometheus parses it."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_answer_loopback_or_the_token_and_nobody_else(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {**service_env(config.database_url, config.storage_url), "LOVETV_METRICS_TOKEN": TOKEN}
    client = create_app(config=load_config(environ=env, instance_path=tmp_path)).test_client()
    local = client.get("/metrics")
    assert local.status_code == 200 and local.mimetype == "text/plain"
    assert ("lovetv_outbox_messages", (("state", "pending"),)) in samples(local.text)
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", environ_base=outside, headers=wrong).status_code == 404
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", environ_base=outside, headers=right).status_code == 200
    proxied = {"X-Forwarded-For": "203.0.113.9"}  # loopback, but a proxy's: not trusted
    assert client.get("/metrics", headers=proxied).status_code == 404


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_counters_add_up_across_two_workers(
    database_url: str, local_storage_url: str, tmp_path: Path, mp3_file: Path
) -> None:
    env = service_env(database_url, local_storage_url)
    services = Services.from_config(load_config(environ=env, instance_path=tmp_path / "i"))
    with services.db.session() as session:
        make_show(session)
        make_episode(session, services.storage, make_season(session), mp3_file)
        _, active = make_member(session, services.config.secret_key, "ann@example.com")
        _, revoked = make_member(
            session, services.config.secret_key, "bo@example.com", status="revoked"
        )
    workdir = tmp_path / "serve"
    workdir.mkdir()
    with lovetv_serve(env, workdir, workers=2) as served:
        feed = f"{served.url}/feeds/{active}/season-1.xml"
        etag = ""
        for _ in range(5):  # a new connection each: either worker may answer
            answer = requests.get(feed, timeout=30)
            assert answer.status_code == 200
            etag = answer.headers["ETag"]
        for _ in range(3):
            assert (
                requests.get(feed, headers={"If-None-Match": etag}, timeout=30).status_code == 304
            )
        for _ in range(2):
            unknown = requests.get(f"{served.url}/feeds/{'x' * 32}/season-1.xml", timeout=30)
            assert unknown.status_code == 404
        notice = requests.get(f"{served.url}/feeds/{revoked}/season-1.xml", timeout=30)
        assert notice.status_code == 200
        time.sleep(0.2)
        scraped = requests.get(f"{served.url}/metrics", timeout=30)
        assert scraped.status_code == 200
        pids = {p.stem.rsplit("_", 1)[-1] for p in (workdir / "instance" / "metrics").iterdir()}
    found = samples(scraped.text)
    feeds = {
        outcome: found.get(("lovetv_feed_requests_total", (("outcome", outcome),)), 0)
        for outcome in ("200", "304", "404", "notice")
    }
    assert feeds == {"200": 5, "304": 3, "404": 2, "notice": 1}
    requests_timed = found[("lovetv_request_duration_seconds_count", (("family", "feeds"),))]
    assert requests_timed == 11
    assert len(pids) >= 2, pids  # both workers wrote values, and the scrape added them up
