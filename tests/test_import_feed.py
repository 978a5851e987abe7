"""`lovetv import feed`: an existing podcast moves in with its GUIDs, dates and titles.

The old feeds are served over HTTP by a test server (`support.old_host`): one written by
feedgen with twenty episodes, and one shaped like a hosting platform's feed with iTunes and
Podcasting 2.0 tags (`data/hosted_feed.xml`). What the import produced is read back the
way apps read it, through gPodder's `podcastparser` and `feedparser`.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from conftest import built_app, service_env
from feedgen.feed import FeedGenerator
from sqlalchemy import select
from support.cli_catalog import season_ready
from support.cli_results import refused, succeeded
from support.old_host import OldHost, old_host

from publisher.cli import main
from publisher.config import load_config
from publisher.models import Episode
from publisher.services import Services

DATA = Path(__file__).parent / "data"
FIRST = datetime(2021, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def storage_url(local_storage_url: str) -> str:
    """A folder store: the S3 path is the same pipeline, exercised by the kill test."""
    return local_storage_url


@pytest.fixture
def host() -> Iterator[OldHost]:
    with old_host() as served:
        yield served


@pytest.fixture
def season(runner: CliRunner) -> str:
    return season_ready(runner, "archive", "The archive")


def old_guid(i: int) -> str:
    """GUIDs as old hosts write them: URLs with dots and slashes, some past 64 characters."""
    tail = "/season-one/the-long-road-to-here" if i % 3 == 0 else ""
    return f"https://old-host.example/podcasts/love-tv/episodes/{i}.mp3{tail}?v=2"


def feedgen_feed(host: OldHost, mp3: bytes, count: int = 20) -> str:
    """A feed of `count` episodes written by feedgen, their audio served by `host`."""
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title("Love TV (old host)")
    fg.link(href="https://old-host.example/love-tv")
    fg.description("Conversations about love.")
    for i in range(1, count + 1):
        fe = fg.add_entry(order="append")
        fe.guid(old_guid(i), permalink=False)
        fe.title(f"Episode {i}: part {i} of the story")
        fe.description(f"<p>Notes of episode {i}</p>")
        fe.published(FIRST + timedelta(days=7 * i))
        fe.enclosure(host.put(f"/audio/ep{i}.mp3", mp3, "audio/mpeg"), str(len(mp3)), "audio/mpeg")
        fe.podcast.itunes_episode(i)
    return host.put("/feed.xml", fg.rss_str(pretty=True), "application/rss+xml")


def import_args(feed: str, *more: str) -> list[str]:
    return ["import", "feed", feed, "--season", "archive", *more]


def run_import(runner: CliRunner, feed: str, *more: str) -> dict:
    """A successful `import feed --json`, read."""
    return json.loads(succeeded(runner.invoke(main, [*import_args(feed, *more), "--json"])))


def member_feed(env: dict[str, str], runner: CliRunner, tmp_path: Path, slug: str) -> bytes:
    """A member's private feed of `slug`, as an app downloads it."""
    added = runner.invoke(main, ["member", "add", "fan@example.com", "--no-email", "--json"])
    if added.exit_code != 0:  # already a member
        added = runner.invoke(main, ["member", "show", "fan@example.com", "--json"])
    url = json.loads(succeeded(added))["feeds"][slug]
    config = load_config(environ=env, instance_path=tmp_path / "instance")
    for app in built_app(config):
        answer = app.test_client().get(urlsplit(url).path, headers={"Accept": "*/*"})
        assert answer.status_code == 200
        return answer.data
    raise AssertionError("no app")


def episodes_in_db(env: dict[str, str]) -> list[Episode]:
    services = Services.from_config(load_config(env))
    try:
        with services.db.session() as session:
            return list(session.scalars(select(Episode).order_by(Episode.publish_at)))
    finally:
        services.db.dispose()


def test_twenty_episodes_come_in_with_their_guids_dates_and_titles(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
    tmp_path: Path,
) -> None:
    feed_url = feedgen_feed(host, mp3_file.read_bytes())
    result = run_import(runner, feed_url)
    source = podcastparser.parse(feed_url, io.BytesIO(host.files["/feed.xml"][0]))
    assert result["imported"] == [old_guid(i) for i in range(1, 21)]  # oldest first
    assert result["skipped"] == [] and result["failed"] == []

    ours = podcastparser.parse("ours", io.BytesIO(member_feed(env, runner, tmp_path, season)))

    def described(feed: dict) -> set[tuple]:
        return {(e["guid"], e["title"], e["published"], e.get("number")) for e in feed["episodes"]}

    assert described(ours) == described(source)
    assert len(ours["episodes"]) == 20
    # The audio apps download is ours, named by our own id, not the old host's.
    for episode in ours["episodes"]:
        assert episode["enclosures"][0]["url"].startswith("http://podcasts.lovetv.test/media/")

    again = run_import(runner, feed_url)
    assert again["imported"] == [] and sorted(again["skipped"]) == sorted(result["imported"])
    assert len(episodes_in_db(env)) == 20


def test_killed_half_way_then_run_again_it_ends_with_the_same_twenty_and_no_duplicate(
    database_url: str,
    s3_bucket: str,
    host: OldHost,
    mp3_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = service_env(database_url, f"s3://{s3_bucket}/media")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env=env)
    for args in (
        ["db", "upgrade"],
        ["show", "set", "--title", "Love TV"],
        ["season", "add", "archive", "--title", "The archive"],
    ):
        succeeded(runner.invoke(main, args))
    feed_url = feedgen_feed(host, mp3_file.read_bytes())
    host.hanging.add("/audio/ep11.mp3")
    lovetv = Path(sys.executable).parent / "lovetv"
    proc = subprocess.Popen(
        [str(lovetv), *import_args(feed_url)],
        env={**os.environ, **env},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert host.hung.wait(60), "the import never reached the eleventh episode"
        proc.send_signal(signal.SIGKILL)  # no clean-up at all: the harshest stop
    finally:
        _out, err = proc.communicate(timeout=30)
    assert len(episodes_in_db(env)) == 10, (err.decode(), host.requested)
    host.hanging.clear()

    result = run_import(runner, feed_url)
    assert result["imported"] == [old_guid(i) for i in range(11, 21)]
    assert len(result["skipped"]) == 10
    stored = episodes_in_db(env)
    assert [e.imported_guid for e in stored] == [old_guid(i) for i in range(1, 21)]
    assert [e.number for e in stored] == list(range(1, 21))


def hosted_feed(host: OldHost, mp3: bytes) -> str:
    """`data/hosted_feed.xml` with its files served by `host`."""
    host.put(
        "/files/chapters-2.json",
        (DATA / "hosted_chapters.json").read_bytes(),
        "application/json+chapters",
    )
    host.put("/files/transcript-2.vtt", (DATA / "hosted_transcript.vtt").read_bytes(), "text/vtt")
    host.put("/files/transcript-2.html", b"<html><p>Hello</p></html>", "text/html")
    for name in ("trailer", "ep1", "ep2", "bonus"):
        host.put(f"/files/{name}.mp3", mp3, "audio/mpeg")
    text = (DATA / "hosted_feed.xml").read_text().replace("{HOST}", host.url)
    return host.put("/rss", text.encode(), "application/rss+xml; charset=utf-8")


def test_a_hosted_feed_brings_its_chapters_transcript_types_and_clean_notes(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
    tmp_path: Path,
) -> None:
    feed_url = hosted_feed(host, mp3_file.read_bytes())
    result = run_import(runner, feed_url)
    assert result["imported"] == [
        "Buzzsprout-9000001",
        "Buzzsprout-9000002",
        "Buzzsprout-9000003",
        "https://love-tv.example/bonus-4",
    ]
    assert result["without_audio"] == ["Buzzsprout-9000005"]

    stored = {e.imported_guid: e for e in episodes_in_db(env)}
    assert stored["Buzzsprout-9000001"].episode_type == "trailer"
    assert stored["https://love-tv.example/bonus-4"].episode_type == "bonus"
    assert [c["title"] for c in stored["Buzzsprout-9000002"].chapters] == ["Hello", "The letter"]
    assert [c["title"] for c in stored["Buzzsprout-9000003"].chapters] == ["Cold open", "Talk"]
    assert stored["Buzzsprout-9000002"].transcript_mime == "text/vtt"

    xml = member_feed(env, runner, tmp_path, season)
    parsed = feedparser.parse(xml)
    by_guid = {e.id: e for e in parsed.entries}
    two = by_guid["Buzzsprout-9000002"]
    assert two.published_parsed[:6] == (2024, 2, 14, 7, 0, 0)
    assert "The letter arrives" in two.content[0].value
    assert "<script" not in xml.decode() and "alert(" not in xml.decode()
    assert b"podcast:transcript" in xml and b"podcast:chapters" in xml
    assert by_guid["Buzzsprout-9000003"].itunes_episode == "2"


@pytest.mark.parametrize(
    ("feed", "says"),
    [
        ("locked_feed.xml", "the feed is locked"),
        ("not_a_feed.html", "is not an RSS or Atom feed"),
    ],
)
def test_a_feed_that_cannot_be_imported_is_refused_in_one_line_and_nothing_changes(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    feed: str,
    says: str,
) -> None:
    url = host.put(f"/{feed}", (DATA / feed).read_bytes(), "application/rss+xml")
    assert says in refused(runner.invoke(main, import_args(url)))
    assert episodes_in_db(env) == []
    assert host.requested == [f"/{feed}"]  # not one episode was fetched


def test_unknown_season_missing_feed_and_unknown_teaser_are_refused_before_any_download(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
) -> None:
    feed_url = feedgen_feed(host, mp3_file.read_bytes(), count=2)
    bad_season = ["import", "feed", feed_url, "--season", "nope"]
    assert "season 'nope' does not exist" in refused(runner.invoke(main, bad_season))
    assert "404" in refused(runner.invoke(main, import_args(f"{host.url}/gone.xml")))
    missing = runner.invoke(main, import_args("no-such-feed.xml"))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1
    assert "no feed file 'no-such-feed.xml'" in missing.stderr
    teaser = refused(runner.invoke(main, import_args(feed_url, "--teaser", "nope-123")))
    assert "--teaser 'nope-123'" in teaser
    assert episodes_in_db(env) == []
    assert not any(path.startswith("/audio/") for path in host.requested)


def test_one_episode_that_fails_does_not_stop_the_others_and_a_rerun_retries_it(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
) -> None:
    feed_url = feedgen_feed(host, mp3_file.read_bytes(), count=4)
    host.gone.add("/audio/ep2.mp3")
    host.hanging.add("/audio/ep3.mp3")
    result = runner.invoke(main, [*import_args(feed_url), "--timeout", "1", "--json"])
    assert result.exit_code == 1
    done = json.loads(result.stdout)
    assert done["imported"] == [old_guid(1), old_guid(4)]
    assert [f["guid"] for f in done["failed"]] == [old_guid(2), old_guid(3)]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "answered 404" in errors[0] and "sent nothing for 1 s" in errors[1]
    assert "run the same command again" in result.stderr

    host.gone.clear()
    host.hanging.clear()
    again = run_import(runner, feed_url)
    assert again["imported"] == [old_guid(2), old_guid(3)]
    assert [e.imported_guid for e in episodes_in_db(env)] == [old_guid(i) for i in range(1, 5)]


def test_teasers_are_public_and_imported_guids_name_episodes_in_other_commands(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
    tmp_path: Path,
) -> None:
    feed_url = feedgen_feed(host, mp3_file.read_bytes(), count=2)
    out = succeeded(runner.invoke(main, import_args(feed_url, "--teaser", old_guid(2))))
    assert out.strip() == (
        "imported 2 episodes into archive; emailed nobody (--announce emails the members)"
    )
    config = load_config(environ=env, instance_path=tmp_path / "instance")
    for app in built_app(config):
        teaser = podcastparser.parse(
            "t", io.BytesIO(app.test_client().get("/feeds/teaser.xml").data)
        )
        assert [e["guid"] for e in teaser["episodes"]] == [old_guid(2)]
    edited = runner.invoke(main, ["episode", "edit", old_guid(1), "--title", "Renamed", "--json"])
    assert json.loads(succeeded(edited))["imported_guid"] == old_guid(1)
    listed = json.loads(succeeded(runner.invoke(main, ["episode", "list", "--json"])))
    assert [e["imported_guid"] for e in listed] == [old_guid(1), old_guid(2)]
    assert {e.title for e in episodes_in_db(env)} == {"Renamed", "Episode 2: part 2 of the story"}


def test_a_local_feed_file_with_relative_audio_paths(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    mp3_file: Path,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "old"
    (folder / "audio").mkdir(parents=True)
    (folder / "audio" / "one.mp3").write_bytes(mp3_file.read_bytes())
    (folder / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Old</title>'
        "<item><title>One</title><guid>old-1</guid>"
        "<pubDate>Mon, 01 Mar 2021 09:00:00 GMT</pubDate>"
        '<enclosure url="audio/one.mp3" length="1" type="audio/mpeg"/></item>'
        "</channel></rss>"
    )
    out = succeeded(runner.invoke(main, import_args(str(folder / "feed.xml"))))
    assert "imported 1 episode into archive" in out
    [episode] = episodes_in_db(env)
    assert (episode.imported_guid, episode.title) == ("old-1", "One")
    assert episode.publish_at == datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
    assert episode.number is None  # the old feed gave none, so none is made up


def test_a_feed_on_the_web_cannot_reach_files_on_this_machine(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
    tmp_path: Path,
) -> None:
    """An attacker's feed names this machine's files as audio and transcript: neither is
    read, so neither can end up in the store behind a member's feed."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "secret.mp3").write_bytes(mp3_file.read_bytes())
    (private / "secret.vtt").write_bytes((DATA / "hosted_transcript.vtt").read_bytes())
    audio = host.put("/a.mp3", mp3_file.read_bytes(), "audio/mpeg")
    podcast = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'
    feed = (
        f'<?xml version="1.0"?><rss version="2.0" {podcast}><channel><title>Old</title>'
        "<item><title>Local audio</title><guid>evil-1</guid>"
        f'<enclosure url="{(private / "secret.mp3").as_uri()}" type="audio/mpeg"/></item>'
        "<item><title>Local transcript</title><guid>evil-2</guid>"
        f'<enclosure url="{audio}" type="audio/mpeg"/>'
        f'<podcast:transcript url="{(private / "secret.vtt").as_uri()}" type="text/vtt"/>'
        "</item></channel></rss>"
    )
    url = host.put("/evil.xml", feed.encode(), "application/rss+xml")
    result = runner.invoke(main, [*import_args(url), "--json"])
    assert result.exit_code == 1
    done = json.loads(result.stdout)
    assert done["imported"] == ["evil-2"]
    assert done["failed"][0]["guid"] == "evil-1"
    assert "cannot point to files on this machine" in done["failed"][0]["error"]
    assert "imported without its transcript" in result.stderr
    [episode] = episodes_in_db(env)
    assert episode.transcript_key is None


def test_audio_beyond_the_size_limit_is_refused_before_it_fills_the_disk(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    mp3_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("publisher.imports.fetching.AUDIO_LIMIT", 1024 * 1024)
    feed_url = feedgen_feed(host, mp3_file.read_bytes(), count=2)
    host.put("/audio/ep2.mp3", b"\xff" * (2 * 1024 * 1024), "audio/mpeg")
    result = runner.invoke(main, [*import_args(feed_url), "--json"])
    assert result.exit_code == 1
    done = json.loads(result.stdout)
    assert done["imported"] == [old_guid(1)]
    assert "is larger than 1 MB" in done["failed"][0]["error"]


def queued_mail(runner: CliRunner) -> list[dict]:
    """The outbox, as `mail list --json` shows it."""
    return json.loads(succeeded(runner.invoke(main, ["mail", "list", "--json"])))["messages"]


def test_importing_a_back_catalogue_emails_nobody_and_says_so(
    runner: CliRunner, season: str, host: OldHost, mp3_file: Path
) -> None:
    for fan in ("ann@example.com", "bo@example.com"):
        succeeded(runner.invoke(main, ["member", "add", fan, "--no-email"]))
    feed_url = feedgen_feed(host, mp3_file.read_bytes(), count=3)
    out = succeeded(runner.invoke(main, import_args(feed_url)))
    assert "imported 3 episodes into archive; emailed nobody (--announce" in out
    assert queued_mail(runner) == []
    assert run_import(runner, feed_url)["emailed"] == 0


def test_with_announce_each_member_is_emailed_once_that_the_season_is_out(
    runner: CliRunner, season: str, host: OldHost, mp3_file: Path
) -> None:
    for fan in ("ann@example.com", "bo@example.com"):
        succeeded(runner.invoke(main, ["member", "add", fan, "--no-email"]))
    feed_url = feedgen_feed(host, mp3_file.read_bytes(), count=3)
    out = succeeded(runner.invoke(main, import_args(feed_url, "--announce")))
    assert "imported 3 episodes into archive; emailed 2 members that archive is out" in out
    messages = queued_mail(runner)
    assert sorted(m["to"] for m in messages) == ["ann@example.com", "bo@example.com"]
    assert all(m["subject"] == "New on Love TV: The archive" for m in messages)
