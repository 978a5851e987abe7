"""A video episode's downloads, counted per format through a live server and `lovetv stats`:
the audio enclosure and the MP4 by the IAB rules, HLS as viewings (one fetch of a
rendition's playlist per listener in 24 hours); the multivariant playlist and the segments
are not counted, nor is a bot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.catalog_factory import make_member, make_season, make_show
from support.downloads import fetch
from support.service_env import service_env
from support.video import make_video

from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.cli import main
from publisher.services import services_of
from publisher.web.media import recorder_of

APPLE = "Podcasts/1570.5 CFNetwork/1335.0.3 Darwin/21.6.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def env(database_url: str, local_storage_url: str) -> dict[str, str]:
    return service_env(database_url, local_storage_url)


def test_video_downloads_are_counted_per_format(app, served, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services = services_of(app)
    with services.db.session() as session:
        make_show(session)
        make_season(session)
        _, token = make_member(session, services.config.secret_key, "ann@example.com")
    film = make_video(tmp_path / "film.mp4", 3.0)
    guid = publish_episode(services, EpisodeDraft("season-1", film, "Filmed"))["guid"]
    base = f"/media/{token}/{guid}"
    requests = [
        ("127.0.0.2", APPLE, f"{base}.m4a"),  # the audio enclosure: an audio download
        ("127.0.0.2", APPLE, f"{base}.mp4"),  # the MP4: a video download
        ("127.0.0.3", APPLE, f"{base}.mp4"),  # another listener: a second one
        ("127.0.0.4", SAFARI, f"{base}.m3u8"),  # the multivariant playlist: not counted
        ("127.0.0.4", SAFARI, f"{base}.hls.240.m3u8"),  # a rendition's playlist: a viewing
        ("127.0.0.4", SAFARI, f"{base}.hls.240.m4s"),  # its segments: not counted
        ("127.0.0.4", SAFARI, f"{base}.hls.240.m3u8"),  # the same viewer again: once
        ("127.0.0.5", GOOGLEBOT, f"{base}.hls.240.m3u8"),  # a bot: never
    ]
    for source, agent, path in requests:
        assert fetch(served, path, source, agent, "GET", None) == 200
    recorder_of(app).flush()
    report = json.loads(runner.invoke(main, ["stats", "--json"]).stdout)
    assert report["formats"] == {"audio": 1, "video": 2, "hls": 1}
    (episode,) = report["episodes"]
    assert episode["downloads"] == 4 and episode["formats"] == report["formats"]
    table = runner.invoke(main, ["stats"]).stdout.splitlines()
    assert table == [
        "DOWNLOADS\tAUDIO\tVIDEO\tHLS\tSEASON\tGUID\tTITLE",
        f"4\t1\t2\t1\tseason-1\t{guid}\tFilmed",
    ]
