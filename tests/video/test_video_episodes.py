"""Video episodes end to end: a camera's MP4 published, served and read by outside readers.

`lovetv serve` runs as a real process over each database and store; the feed is read by
feedparser, podcastparser and lxml, the playlists by the `m3u8` package, and every file by
PyAV (FFmpeg), which also plays the HLS from the server over HTTP as a player would,
following the store's presigned redirects with byte ranges.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import av
import feedparser
import m3u8
import podcastparser
import pytest
import requests
from click.testing import CliRunner
from lxml import etree
from mutagen.mp4 import MP4
from support.cli_catalog import season_ready
from support.cli_results import succeeded
from support.served import Served, lovetv_serve
from support.video import make_video, top_level_atoms

from publisher.cli import main

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3

PODCAST = "{https://podcastindex.org/namespace/1.0}"
SECONDS, FPS = 6.0, 25


@pytest.fixture(scope="module")
def camera_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six seconds of 320x240 H.264 with AAC sound, `moov` written last as cameras do."""
    path = make_video(tmp_path_factory.mktemp("video") / "camera.mp4", SECONDS, fps=FPS)
    assert top_level_atoms(path)[-1] == "moov"
    return path


def publish(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(main, ["episode", "publish", "season-1", *args, "--json"])
    return json.loads(succeeded(result))


def member_feed(runner: CliRunner, email: str = "ann@example.com") -> str:
    added = runner.invoke(main, ["member", "add", email, "--no-email", "--json"])
    return json.loads(succeeded(added))["feeds"]["season-1"]


def on(served: Served, env: dict[str, str], url: str) -> str:
    """A URL the service wrote (on its public base URL), on the test's server instead."""
    return url.replace(env["LOVETV_BASE_URL"], served.url)


def fetch(served: Served, env: dict[str, str], url: str, target: Path) -> Path:
    response = requests.get(on(served, env, url), timeout=10)  # follows a presigned redirect
    assert response.status_code == 200, response.text
    target.write_bytes(response.content)
    return target


def alternates(feed: bytes) -> dict[str, dict[str, str]]:
    """The first item's alternate enclosures by type, with their source's URI."""
    item = etree.fromstring(feed).find("channel/item")
    found = {}
    for element in item.findall(f"{PODCAST}alternateEnclosure"):
        source = element.find(f"{PODCAST}source")
        found[element.get("type")] = {**element.attrib, "uri": source.get("uri")}
    return found


def decoded_video_frames(url: str) -> int:
    """Every video frame FFmpeg decodes when it plays the HLS at `url`, as a player would."""
    with av.open(url, options={"allowed_extensions": "ALL"}, timeout=10) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream))


def test_a_camera_video_is_an_audio_episode_with_a_fast_start_mp4_and_hls(
    runner: CliRunner, env: dict[str, str], tmp_path: Path, camera_video: Path
) -> None:
    season_ready(runner)
    episode = publish(runner, str(camera_video), "--title", "Watch this")
    assert episode["video"]["height"] == 240 and episode["video"]["renditions"] == [240]
    assert episode["mime"] == "audio/x-m4a"
    feed_url = member_feed(runner)
    with lovetv_serve(env, tmp_path) as served:
        feed = requests.get(on(served, env, feed_url), timeout=10).content
        # The podcast app's view: one item whose enclosure is the audio.
        (item,) = feedparser.parse(feed).entries
        (enclosure,) = item.enclosures
        assert enclosure.type.startswith("audio/")
        parsed = podcastparser.parse(feed_url, io.BytesIO(feed))
        assert parsed["episodes"][0]["enclosures"][0]["mime_type"] == "audio/x-m4a"

        audio = fetch(served, env, enclosure.href, tmp_path / "enclosure.m4a")
        with av.open(str(audio)) as container:
            assert [s.type for s in container.streams] == ["audio"]
            assert abs(container.duration / 1_000_000 - SECONDS) < 0.5
        assert MP4(audio).tags["\xa9nam"] == ["Watch this"]

        found = alternates(feed)
        assert set(found) == {"audio/x-m4a", "video/mp4", "application/x-mpegURL"}
        assert found["audio/x-m4a"]["default"] == "true"
        mp4 = fetch(served, env, found["video/mp4"]["uri"], tmp_path / "video.mp4")
        assert int(found["video/mp4"]["length"]) == mp4.stat().st_size
        assert found["video/mp4"]["height"] == "240"
        atoms = top_level_atoms(mp4)
        assert atoms.index("moov") < atoms.index("mdat")  # fast start
        with av.open(str(mp4)) as container:
            video = container.streams.video[0]
            assert video.codec_context.name == "h264"
            assert (video.codec_context.width, video.codec_context.height) == (320, 240)
        assert MP4(mp4).tags["\xa9nam"] == ["Watch this"]

        poster = requests.get(found["video/mp4"]["uri"].replace(".mp4", ".poster.jpg").replace(
            env["LOVETV_BASE_URL"], served.url), timeout=10)  # fmt: skip
        assert poster.status_code == 200 and poster.content[:3] == b"\xff\xd8\xff"  # a JPEG
        hls_url = on(served, env, found["application/x-mpegURL"]["uri"])
        multivariant = m3u8.loads(requests.get(hls_url, timeout=10).text, uri=hls_url)
        assert multivariant.is_variant
        (variant,) = multivariant.playlists
        assert variant.stream_info.resolution == (320, 240)
        media = m3u8.loads(requests.get(variant.absolute_uri, timeout=10).text)
        assert abs(sum(s.duration for s in media.segments) - SECONDS) <= 1.0
        assert all(s.byterange for s in media.segments) and media.is_endlist
        frames = decoded_video_frames(hls_url)
        assert abs(frames - SECONDS * FPS) <= 0.1 * SECONDS * FPS


def media_names(guid: str) -> list[str]:
    """Every file a video episode offers under `/media/<who>/`."""
    return [
        f"{guid}.m4a",
        f"{guid}.mp4",
        f"{guid}.m3u8",
        f"{guid}.hls.240.m3u8",
        f"{guid}.hls.240.m4s",
        f"{guid}.poster.jpg",
    ]


def test_only_a_member_with_access_gets_the_playlists_and_the_mp4(
    runner: CliRunner, client, camera_video: Path
) -> None:
    season_ready(runner)
    guid = publish(runner, str(camera_video), "--title", "Members only")["guid"]
    token = member_feed(runner).split("/")[-2]
    other = member_feed(runner, "bob@example.com").split("/")[-2]
    allowed = {name: client.get(f"/media/{token}/{name}") for name in media_names(guid)}
    # Playlists are answered here; files are the store's (a presigned redirect on S3).
    assert all(r.status_code in (200, 302) for r in allowed.values())
    assert allowed[f"{guid}.m3u8"].status_code == allowed[f"{guid}.hls.240.m3u8"].status_code == 200
    assert allowed[f"{guid}.m3u8"].content_type == "application/vnd.apple.mpegurl"
    unknown = "A" * 32
    assert [client.get(f"/media/{unknown}/{n}").status_code for n in media_names(guid)] == [404] * 6
    assert [client.get(f"/media/teaser/{n}").status_code for n in media_names(guid)] == [404] * 6

    succeeded(runner.invoke(main, ["member", "revoke", "ann@example.com"]))
    refused = [client.get(f"/media/{token}/{n}") for n in media_names(guid)]
    assert [r.status_code for r in refused] == [403] * 6
    assert all(r.headers["Cache-Control"] == "no-store" for r in refused)
    assert client.get(f"/media/{other}/{guid}.m3u8").status_code == 200  # Bob still listens

    succeeded(runner.invoke(main, ["member", "restore", "ann@example.com"]))
    back = [client.get(f"/media/{token}/{n}").status_code for n in media_names(guid)]
    assert all(status in (200, 302) for status in back)


def test_the_playlist_fast_path_answers_as_the_media_route_does(
    runner: CliRunner, app, camera_video: Path
) -> None:
    """The multivariant playlist answered before Flask is the route's own answer, byte for
    byte, with the headers its hooks add; anything but a success falls through to it."""
    from werkzeug.test import Client

    from publisher.web.playlist_fast_path import PlaylistFastPath

    season_ready(runner)
    guid = publish(runner, str(camera_video), "--title", "Fast")["guid"]
    token = member_feed(runner).split("/")[-2]
    layer = app.wsgi_app
    while not isinstance(layer, PlaylistFastPath):
        layer = layer.app
    fast, route = Client(layer), Client(layer.app)  # with and without the fast path
    path = f"/media/{token}/{guid}.m3u8"
    headers = {"Host": "podcasts.lovetv.test"}
    answers = [client.get(path, headers=headers) for client in (fast, route)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].data == answers[1].data
    for name in ("Content-Type", "Cache-Control", "Referrer-Policy", "X-Content-Type-Options"):
        assert answers[0].headers[name] == answers[1].headers[name], name
    assert fast.head(path, headers=headers).data == b""
    succeeded(runner.invoke(main, ["member", "revoke", "ann@example.com"]))
    assert fast.get(path, headers=headers).status_code == 403  # the route's refusal
    assert fast.get(f"/media/{'B' * 32}/{guid}.m3u8", headers=headers).status_code == 404
