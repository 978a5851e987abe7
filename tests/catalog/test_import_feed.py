"""`lovetv import feed`: an existing podcast moves in with its GUIDs, dates and titles.

The old feeds are served over HTTP by a test server (`support.old_host`): one written by
feedgen with twenty episodes, and one shaped like a hosting platform's feed with iTunes and
Podcasting 2.0 tags (`data/hosted_feed.xml`). What the import produced is read back the
way apps read it, through gPodder's `podcastparser` and `feedparser`.
"""

from __future__ import annotations

import io
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from feedgen.feed import FeedGenerator
from sqlalchemy import select
from support.apps import built_app
from support.cli_catalog import published, season_ready
from support.cli_results import refused, succeeded
from support.old_host import OldHost, old_host
from support.service_env import service_env

from feeds.source import SourceFeedError, refuse_declarations
from publisher.cli import main
from publisher.config import load_config
from publisher.imports.destinations import Destinations, RefusedDestination
from publisher.models import Episode
from publisher.services import Services

DATA = Path(__file__).parent / "data"
FIRST = datetime(2021, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def env(database_url: str, storage_url: str) -> dict[str, str]:
    """The old host is a loopback server: named as the producer's own host, as a producer
    names an internal one (every other non-public address stays refused)."""
    return {**service_env(database_url, storage_url), "LOVETV_IMPORT_ALLOW_HOSTS": "127.0.0.1"}


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
    env["LOVETV_IMPORT_ALLOW_HOSTS"] = "127.0.0.1"  # the old host is a loopback server
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


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket of this process connects to; any but loopback is stopped
    before a packet leaves (the test must never send traffic elsewhere)."""
    made: list[str] = []
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple):
            made.append(address[0])
            assert ipaddress.ip_address(address[0]).is_loopback, f"connect to {address[0]}"
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return made


@pytest.fixture
def elsewhere() -> Iterator[OldHost]:
    """Another loopback server, not named in LOVETV_IMPORT_ALLOW_HOSTS: this machine's
    private service a hostile feed aims at."""
    with old_host("127.0.0.2") as served:
        yield served


def test_redirects_to_this_machine_or_the_metadata_service_fetch_nothing_there(
    env: dict[str, str],
    runner: CliRunner,
    season: str,
    host: OldHost,
    elsewhere: OldHost,
    connections: list[str],
    mp3_file: Path,
) -> None:
    secret = elsewhere.put("/secret.mp3", mp3_file.read_bytes(), "audio/mpeg")
    elsewhere.put("/secret.vtt", (DATA / "hosted_transcript.vtt").read_bytes(), "text/vtt")
    audio = host.put("/fine.mp3", mp3_file.read_bytes(), "audio/mpeg")
    host.redirects["/moved.mp3"] = secret
    host.redirects["/metadata.mp3"] = "http://169.254.169.254/latest/meta-data/"
    host.redirects["/moved.vtt"] = f"{elsewhere.url}/secret.vtt"
    host.redirects["/hop.mp3"] = f"{host.url}/metadata.mp3"  # refused on the second hop
    podcast = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'

    def item(guid: str, enclosure: str, more: str = "") -> str:
        return (
            f"<item><title>{guid}</title><guid>{guid}</guid>"
            f'<enclosure url="{enclosure}" type="audio/mpeg"/>{more}</item>'
        )

    feed = (
        f'<?xml version="1.0"?><rss version="2.0" {podcast}><channel><title>Old</title>'
        + item("to-loopback", f"{host.url}/moved.mp3")
        + item("to-metadata", f"{host.url}/metadata.mp3")
        + item("two-hops", f"{host.url}/hop.mp3")
        + item("direct", secret)
        + item("metadata-direct", "http://169.254.169.254/latest/meta-data/iam")
        + item(
            "transcript-moved",
            audio,
            f'<podcast:transcript url="{host.url}/moved.vtt" type="text/vtt"/>',
        )
        + "</channel></rss>"
    )
    url = host.put("/evil.xml", feed.encode(), "application/rss+xml")
    result = runner.invoke(main, [*import_args(url), "--json"])
    assert result.exit_code == 1, result.output
    done = json.loads(result.stdout)
    assert done["imported"] == ["transcript-moved"]
    errors = {f["guid"]: f["error"] for f in done["failed"]}
    assert sorted(errors) == ["direct", "metadata-direct", "to-loopback", "to-metadata", "two-hops"]
    assert "127.0.0.2 is not a public address" in errors["to-loopback"]
    assert "169.254.169.254 is not a public address" in errors["to-metadata"]
    assert "LOVETV_IMPORT_ALLOW_HOSTS" in errors["direct"]
    assert "imported without its transcript" in result.stderr
    assert elsewhere.requested == []  # nothing was fetched there
    assert set(connections) == {"127.0.0.1"}  # nor was anything else ever connected to
    [episode] = episodes_in_db(env)
    assert episode.transcript_key is None


def test_without_the_opt_in_a_loopback_feed_is_refused_before_connecting(
    env: dict[str, str], season: str, host: OldHost, connections: list[str], tmp_path: Path
) -> None:
    url = host.put("/feed.xml", b"<rss/>", "application/rss+xml")
    plain = {k: v for k, v in env.items() if k != "LOVETV_IMPORT_ALLOW_HOSTS"}
    result = CliRunner(env=plain).invoke(main, import_args(url))
    assert result.exit_code == 1 and host.requested == [] and connections == []
    assert result.stderr == (
        f"error: the feed {url} was not fetched: 127.0.0.1 is not a public address "
        "(LOVETV_IMPORT_ALLOW_HOSTS lets an import reach a host of your own)\n"
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
    ],
)
def test_every_kind_of_non_public_address_is_refused(address: str) -> None:
    with pytest.raises(RefusedDestination):
        Destinations().vet(address, 80)


def test_public_addresses_and_the_producers_own_hosts_pass() -> None:
    assert Destinations().vet("93.184.216.34", 443) == "93.184.216.34"
    own = Destinations.parse("10.0.5.0/24, localhost")
    assert own.vet("10.0.5.7", 80) == "10.0.5.7"
    assert ipaddress.ip_address(own.vet("localhost", 80)).is_loopback
    with pytest.raises(RefusedDestination):
        own.vet("10.0.6.1", 80)
    with pytest.raises(ValueError, match="bad entry"):
        Destinations.parse("http://media.internal/")


def test_an_old_item_with_the_guid_of_one_of_our_episodes_is_not_imported(
    env: dict[str, str], runner: CliRunner, season: str, host: OldHost, mp3_file: Path
) -> None:
    """Our GUIDs are public in our feeds: a feed that copies one must not give apps two items
    with one GUID (nor `episode edit GUID` two episodes to choose between)."""
    ours = published(runner, mp3_file, "Ours", season)["guid"]
    audio = host.put("/a.mp3", mp3_file.read_bytes(), "audio/mpeg")
    items = "".join(
        f'<item><title>{title}</title><guid>{guid}</guid><enclosure url="{audio}" '
        'type="audio/mpeg"/></item>'
        for title, guid in (("Copycat", ours), ("Honest", "old-1"))
    )
    channel = f"<channel><title>Old</title>{items}</channel>"
    feed = f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'
    url = host.put("/feed.xml", feed.encode(), "application/rss+xml")
    result = runner.invoke(main, [*import_args(url), "--json"])
    assert result.exit_code == 1, result.output
    done = json.loads(result.stdout)
    assert done["imported"] == ["old-1"]
    assert done["failed"][0]["guid"] == ours
    assert "has the GUID of an episode already on this show" in done["failed"][0]["error"]
    stored = episodes_in_db(env)
    assert sorted(e.title for e in stored) == ["Honest", "Ours"]
    assert ours not in {e.imported_guid for e in stored}


def entity_feed(size: int) -> bytes:
    """A feed of `size` bytes whose text is references to one 270-character entity: 90x,
    under expat's 100x alarm, so a parser that expands it builds ~90 times the input."""
    head = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 270 + b'">]>'
        b'<rss version="2.0"><channel><title>Old</title><item><title>One</title>'
        b"<guid>e-1</guid><description>"
    )
    tail = b'</description><enclosure url="a.mp3" type="audio/mpeg"/></item></channel></rss>'
    return head + b"&a;" * ((size - len(head) - len(tail)) // 3) + tail


def test_a_feed_declaring_entities_is_refused_at_once_with_flat_memory(
    env: dict[str, str], runner: CliRunner, season: str, tmp_path: Path
) -> None:
    path = tmp_path / "laughs.xml"
    path.write_bytes(entity_feed(2_600_000))
    size = path.stat().st_size
    tracemalloc.start()
    started = time.monotonic()
    result = runner.invoke(main, import_args(str(path)))
    took = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 1
    assert "declares a document type or entities" in result.stderr
    assert result.stderr.count("\n") == 1
    assert peak < 3 * size, f"{peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB feed"
    assert took < 2.0
    assert episodes_in_db(env) == []


@pytest.mark.parametrize(
    ("feed", "refused_"),
    [
        (b'<!DOCTYPE rss [<!ENTITY a "b">]><rss version="2.0"/>', True),
        (b'<!doctype rss [ ]><rss version="2.0"/>', True),
        (b'<rss version="2.0"><!ENTITY a SYSTEM "file:///etc/passwd"></rss>', True),
        ('<!DOCTYPE rss [<!ENTITY a "b">]><rss/>'.encode("utf-16"), True),
        ('<!DOCTYPE rss [<!ENTITY a "b">]><rss/>'.encode("utf-16-le"), True),
        ('<!DOCTYPE rss [<!ENTITY a "b">]><rss/>'.encode("utf-32"), True),
        (
            b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>',
            False,
        ),
        (b'<rss version="2.0"><channel><title>&amp; &lt;3</title></channel></rss>', False),
    ],
)
def test_entity_declarations_are_found_in_every_encoding(feed: bytes, refused_: bool) -> None:
    if refused_:
        with pytest.raises(SourceFeedError, match="declares a document type or entities"):
            refuse_declarations(feed, "feed.xml")
    else:
        refuse_declarations(feed, "feed.xml")


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
