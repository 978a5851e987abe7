"""Downloads counted by the IAB rules, through a live server and `lovetv stats`.

Listeners are told apart by their loopback source address and user agent, exactly as the
server sees real ones; the 24-hour window is checked with explicit times.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.downloads import fetch
from support.service_env import service_env

from publisher.cli import main
from publisher.models import MediaRequest, StatsSalt, utcnow
from publisher.services import services_of
from publisher.stats.iab import minimum_bytes, network_of, requested_bytes
from publisher.stats.ingest import scrub, write_batch
from publisher.stats.recorder import MediaHit
from publisher.web.media import recorder_of

APPLE = "Podcasts/1570.5 CFNetwork/1335.0.3 Darwin/21.6.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
POCKET_CASTS = "Pocket Casts/7.58 (iPhone; iOS 17.1)"
ANTENNAPOD = "AntennaPod/3.2.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def env(database_url: str, local_storage_url: str) -> dict[str, str]:
    return service_env(database_url, local_storage_url)


@pytest.fixture
def listening(app, mp3_file: Path):  # type: ignore[no-untyped-def]
    """One published episode and one member; the episode's audio path and the member."""
    services = services_of(app)
    with services.db.session() as session:
        make_show(session)
        season = make_season(session)
        episode = make_episode(session, services.storage, season, mp3_file, title="Opening up")
        member, token = make_member(session, services.config.secret_key, "ann@example.com")
        return {
            "path": f"/media/{token}/{episode.guid}.mp3",
            "guid": episode.guid,
            "size": episode.size,
            "episode_id": episode.id,
            "member_id": member.id,
        }


def test_stats_count_downloads_by_the_iab_rules(app, served, listening, runner) -> None:
    path, size = listening["path"], listening["size"]
    half = size // 2
    requests = [
        ("127.0.0.2", APPLE, "GET", None),  # a download
        ("127.0.0.2", APPLE, "GET", None),  # the same listener again within 24 h: once
        ("127.0.0.3", APPLE, "GET", None),  # another address: a second Apple download
        ("127.0.0.4", OVERCAST, "GET", None),  # another app
        ("127.0.0.5", ANTENNAPOD, "GET", "bytes=0-1"),  # a 2-byte probe: not a download
        ("127.0.0.6", ANTENNAPOD, "HEAD", None),  # HEAD never counts
        ("127.0.0.7", GOOGLEBOT, "GET", None),  # a known bot
        ("127.0.0.8", POCKET_CASTS, "GET", f"bytes=0-{half - 1}"),  # ranges add up ...
        ("127.0.0.8", POCKET_CASTS, "GET", f"bytes={half}-"),  # ... to one download
    ]
    for source, agent, method, byte_range in requests:
        assert fetch(served, path, source, agent, method, byte_range) in (200, 206)
    recorder_of(app).flush()
    result = runner.invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["apps"] == {"Apple Podcasts": 2, "Overcast": 1, "Pocket Casts": 1}
    assert report["episodes"] == [
        {
            "guid": listening["guid"],
            "title": "Opening up",
            "season": "season-1",
            "number": None,
            "downloads": 4,
            "formats": {"audio": 4, "video": 0, "hls": 0},
        }
    ]
    assert report["downloads"] == 4 and sum(report["days"].values()) == 4
    by_app = runner.invoke(main, ["stats", "--by", "app"])
    assert by_app.exit_code == 0 and "2\tApple Podcasts" in by_app.stdout


def test_member_show_lists_the_last_requests_by_app(app, served, listening, runner) -> None:
    fetch(served, listening["path"], "127.0.0.2", OVERCAST)
    fetch(served, listening["path"], "127.0.0.2", GOOGLEBOT)
    recorder_of(app).flush()
    shown = json.loads(runner.invoke(main, ["member", "show", "ann@", "--json"]).stdout)
    assert [r["app"] for r in shown["last_requests"]] == ["Googlebot", "Overcast"]
    assert [r["download"] for r in shown["last_requests"]] == [False, True]
    assert shown["downloads_30d"] == 1


def _hit(listening: dict, at, ip: str = "10.1.2.3", agent: str = APPLE) -> MediaHit:
    return MediaHit(
        at=at,
        episode_id=listening["episode_id"],
        member_id=listening["member_id"],
        token_hash=None,
        method="GET",
        range_header=None,
        client_ip=ip,
        user_agent=agent,
    )


def test_one_listener_counts_again_only_after_24_hours(app, listening) -> None:
    services = services_of(app)
    start = utcnow() - timedelta(days=2)
    write_batch(services, [_hit(listening, start), _hit(listening, start + timedelta(hours=23))])
    write_batch(services, [_hit(listening, start + timedelta(hours=24, seconds=1))])
    with services.db.session() as session:
        counted = session.scalars(select(MediaRequest.counted).order_by(MediaRequest.at)).all()
    assert counted == [True, False, True]


def test_raw_addresses_and_old_salts_are_forgotten_after_the_window(app, listening) -> None:
    services = services_of(app)
    now = utcnow()
    write_batch(services, [_hit(listening, now - timedelta(days=3)), _hit(listening, now)])
    with services.db.session() as session:
        scrub(session, now)
    with services.db.session() as session:
        rows = session.execute(
            select(MediaRequest.client_ip, MediaRequest.network_hash).order_by(MediaRequest.at)
        ).all()
        days = session.scalars(select(StatsSalt.day)).all()
    assert [ip for ip, _ in rows] == [None, "10.1.2.3"]
    assert all(len(h) == 64 and "10.1.2" not in h for _, h in rows)
    assert days == [now.date().isoformat()]


@pytest.mark.parametrize(
    ("method", "header", "expected"),
    [
        ("HEAD", None, 0),
        ("GET", None, 1000),
        ("GET", "bytes=0-0", 1),
        ("GET", "bytes=0-1", 2),
        ("GET", "bytes=-100", 100),
        ("GET", "bytes=900-", 100),
        ("GET", "bytes=0-99,200-299", 200),
        ("GET", "bytes=5000-", 0),
        ("GET", "bytes=garbage", 0),
    ],
)
def test_requested_bytes_follow_the_range_header(method, header, expected) -> None:
    assert requested_bytes(method, header, 1000) == expected


def test_a_minute_of_audio_counts_from_the_end_so_tags_are_included() -> None:
    # 10 minutes at 128 kbit/s behind a 200 kB tag: the tag and one minute.
    size = 200_000 + 600 * 16_000
    assert minimum_bytes(size, 600.0, 128_000) == 200_000 + 60 * 16_000
    assert minimum_bytes(5_000, 3.0, None) == 5_000  # shorter than a minute: all of it


def test_networks_are_slash_24_and_slash_48() -> None:
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert network_of("::ffff:198.51.100.9") == "198.51.100.0/24"


def test_a_request_queued_before_its_member_was_erased_is_not_written(app, listening) -> None:
    from sqlalchemy import delete

    from auth.tokens import lookup_hash
    from publisher.models import FeedToken

    services = services_of(app)
    token = listening["path"].split("/")[2]
    with services.db.session() as session:  # what `member delete` does to the tokens
        session.execute(delete(FeedToken).where(FeedToken.member_id == listening["member_id"]))
    hit = _hit(listening, utcnow())
    write_batch(services, [replace(hit, token_hash=lookup_hash(token))])
    with services.db.session() as session:
        assert session.scalars(select(MediaRequest)).all() == []
