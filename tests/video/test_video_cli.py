"""The producer's video commands: `--video` beside a studio mix, `episode edit --video`,
`--renditions` and `season edit --enclosure video`, each read back through the feed (lxml,
feedparser), the playlists (`m3u8`) and the files (PyAV)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import feedparser
import m3u8
import pytest
from click.testing import CliRunner
from lxml import etree
from support.cli_catalog import published, season_ready
from support.cli_results import refused, succeeded
from support.media import make_mp3
from support.video import make_video

from audio.storage import Storage
from publisher.cli import main

PODCAST = "{https://podcastindex.org/namespace/1.0}"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    make_video(folder / "talk.mp4", 4.0, width=640, height=360)
    make_video(folder / "retake.mp4", 4.0, width=320, height=240)
    make_mp3(folder / "mix.mp3", seconds=4.0)
    return folder


def feed_of(runner: CliRunner, client) -> bytes:  # type: ignore[no-untyped-def]
    added = runner.invoke(main, ["member", "add", "ann@example.com", "--no-email", "--json"])
    url = json.loads(succeeded(added))["feeds"]["season-1"]
    token = url.split("/")[-2]
    response = client.get(f"/feeds/{token}/season-1.xml", headers={"Accept": "*/*"})
    assert response.status_code == 200
    return response.data


def item_of(feed: bytes) -> etree._Element:
    return etree.fromstring(feed).find("channel/item")


def alternate_types(item: etree._Element) -> list[tuple[str, str | None]]:
    return [(a.get("type"), a.get("default")) for a in item.findall(f"{PODCAST}alternateEnclosure")]


def test_a_studio_mix_is_the_enclosure_and_the_video_rides_beside_it(
    runner: CliRunner, client, media: Path
) -> None:
    season_ready(runner)
    args = ["episode", "publish", "season-1", str(media / "mix.mp3"), "--title", "Mixed"]
    episode = json.loads(
        succeeded(runner.invoke(main, [*args, "--video", str(media / "talk.mp4"), "--json"]))
    )
    assert episode["mime"] == "audio/mpeg" and episode["video"]["height"] == 360
    item = item_of(feed_of(runner, client))
    assert item.find("enclosure").get("type") == "audio/mpeg"
    assert alternate_types(item) == [
        ("audio/mpeg", "true"),
        ("video/mp4", None),
        ("application/x-mpegURL", None),
    ]


def test_renditions_add_lower_hls_variants_encoded_from_the_video(
    runner: CliRunner, client, media: Path, tmp_path: Path
) -> None:
    season_ready(runner)
    args = ["episode", "publish", "season-1", str(media / "talk.mp4"), "--title", "Ladder"]
    episode = json.loads(
        succeeded(runner.invoke(main, [*args, "--renditions", "240,180", "--json"]))
    )
    assert episode["video"]["renditions"] == [360, 240, 180]
    token = item_of(feed_of(runner, client)).find("enclosure").get("url").split("/")[-2]
    base = f"/media/{token}"
    multivariant = m3u8.loads(client.get(f"{base}/{episode['guid']}.m3u8").get_data(as_text=True))
    sizes = [p.stream_info.resolution for p in multivariant.playlists]
    assert sizes == [(640, 360), (426, 240), (320, 180)]
    low = multivariant.playlists[-1]
    assert low.stream_info.bandwidth < multivariant.playlists[0].stream_info.bandwidth
    media_playlist = m3u8.loads(client.get(f"{base}/{low.uri}").get_data(as_text=True))
    segments = client.get(f"{base}/{media_playlist.segments[0].uri}").data
    (tmp_path / "low.mp4").write_bytes(segments)  # init and fragments: one fragmented MP4
    with av.open(str(tmp_path / "low.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        assert sum(1 for _ in container.decode(stream)) >= 90  # 4 s at 25 fps, within 10%


def test_edit_adds_a_video_to_an_audio_episode_then_replaces_it(
    runner: CliRunner, client, media: Path, storage: Storage
) -> None:
    season_ready(runner)
    guid = published(runner, media / "mix.mp3")["guid"]
    edit = ["episode", "edit", guid[:8], "--json"]
    first = json.loads(succeeded(runner.invoke(main, [*edit, "--video", str(media / "talk.mp4")])))
    assert first["guid"] == guid and first["video"]["height"] == 360
    first_keys = {k for k in storage.keys("video/")}
    second = json.loads(
        succeeded(runner.invoke(main, [*edit, "--video", str(media / "retake.mp4")]))
    )
    assert second["video"]["height"] == 240
    second_keys = {k for k in storage.keys("video/")}
    assert first_keys.isdisjoint(second_keys) and len(second_keys) == 4  # MP4, poster, HLS x2
    heights = [
        a.get("height")
        for a in item_of(feed_of(runner, client)).findall(f"{PODCAST}alternateEnclosure")
    ]
    assert heights == [None, "240", "240"]
    no_video = runner.invoke(main, ["episode", "edit", guid, "--renditions", "180"])
    assert "--renditions comes with the video it is made from" in refused(no_video)


def test_a_video_first_season_puts_the_mp4_in_the_enclosure(
    runner: CliRunner, client, media: Path
) -> None:
    season_ready(runner)
    published(runner, media / "talk.mp4", title="Watch first")
    published(runner, media / "mix.mp3", title="Listen only")
    switched = runner.invoke(main, ["season", "edit", "season-1", "--enclosure", "video"])
    assert "enclosure is now their video" in succeeded(switched)
    feed = feed_of(runner, client)
    by_title = {e.title: e for e in feedparser.parse(feed).entries}
    assert by_title["Watch first"].enclosures[0].type == "video/mp4"
    assert by_title["Listen only"].enclosures[0].type == "audio/mpeg"  # no video: unchanged
    video_item = next(
        i for i in etree.fromstring(feed).iter("item") if i.findtext("title") == "Watch first"
    )
    assert alternate_types(video_item) == [
        ("video/mp4", "true"),
        ("audio/x-m4a", None),
        ("application/x-mpegURL", None),
    ]


def test_import_feed_turns_a_video_enclosure_into_a_video_episode(
    runner: CliRunner, client, media: Path
) -> None:
    from feedgen.feed import FeedGenerator
    from support.old_host import old_host

    season_ready(runner)
    video = (media / "talk.mp4").read_bytes()
    with old_host() as host:
        fg = FeedGenerator()
        fg.title("Love TV on video (old host)")
        fg.link(href="https://old-host.example/love-tv")
        fg.description("Conversations about love, filmed.")
        for guid, mime in (("film-1", "video/mp4"), ("film-2", "video/quicktime")):
            fe = fg.add_entry(order="append")
            fe.guid(guid, permalink=False)
            fe.title(f"Filmed {guid}")
            fe.description("<p>On camera</p>")
            fe.published("2024-05-01T10:00:00Z")
            fe.enclosure(host.put(f"/{guid}.mp4", video, mime), str(len(video)), mime)
        feed = host.put("/feed.xml", fg.rss_str(pretty=True), "application/rss+xml")
        args = ["import", "feed", feed, "--season", "season-1", "--json"]
        allow_loopback = {"LOVETV_IMPORT_ALLOW_HOSTS": "127.0.0.1"}  # the old host is here
        imported = json.loads(succeeded(runner.invoke(main, args, env=allow_loopback)))
    assert sorted(imported["imported"]) == ["film-1", "film-2"]
    listed = json.loads(succeeded(runner.invoke(main, ["episode", "list", "--json"])))
    assert [e["video"]["height"] for e in listed] == [360, 360]
    for item in etree.fromstring(feed_of(runner, client)).iter("item"):
        assert item.findtext("guid") in ("film-1", "film-2")
        assert item.find("enclosure").get("type") == "audio/x-m4a"
        assert [t for t, _ in alternate_types(item)][1:] == ["video/mp4", "application/x-mpegURL"]


def test_a_teaser_video_is_public_in_the_teaser_feed_and_its_playlists(
    runner: CliRunner, client, media: Path
) -> None:
    season_ready(runner)
    args = ["episode", "publish", "season-1", str(media / "talk.mp4"), "--title", "Free film"]
    guid = json.loads(succeeded(runner.invoke(main, [*args, "--teaser", "--json"])))["guid"]
    feed = client.get("/feeds/teaser.xml", headers={"Accept": "*/*"}).data
    item = item_of(feed)
    sources = [s.get("uri") for s in item.iter(f"{PODCAST}source")]
    assert sources == [
        f"http://podcasts.lovetv.test/media/teaser/{guid}.m4a",
        f"http://podcasts.lovetv.test/media/teaser/{guid}.mp4",
        f"http://podcasts.lovetv.test/media/teaser/{guid}.m3u8",
    ]
    multivariant = client.get(f"/media/teaser/{guid}.m3u8")
    assert multivariant.status_code == 200 and "public" in multivariant.headers["Cache-Control"]
    (variant,) = m3u8.loads(multivariant.get_data(as_text=True)).playlists
    assert client.get(f"/media/teaser/{variant.uri}").status_code == 200
