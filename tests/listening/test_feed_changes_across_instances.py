"""The one-second bound, across machines: what the CLI commits is seen by every instance.

Two `lovetv serve` on one database stand for two machines. Each is polled first, so its
worker keeps the member's row (on PostgreSQL, `publisher.listening.hot_rows`); then the
producer's CLI, a third process, revokes, rotates or publishes, and both instances are
polled with a deadline of one second from the moment the command returned (by then its
transaction had committed). On PostgreSQL the same again with the workers' listening
connections cut (`pg_terminate_backend`) over and over while the command runs, so its
notification is never heard: the kept rows must be dropped, not trusted again. Removing
the triggers of migration 0019 fails the first kind, removing the listener's handling of a
lost connection the second: nothing else ever drops a kept row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.feed_checks import parse_feed
from support.served import Served, lovetv_serve

from publisher.listening.change_listener import APPLICATION_NAME
from publisher.services import Services

EMAIL = "ann@example.com"
WITHDRAWN = "Access to this feed was withdrawn"
REPLACED = "This private link was replaced by a newer one"
BOUND_SECONDS = 1.0


@pytest.fixture
def token(services: Services, mp3_file: Path) -> str:
    """A show with one published episode and one active member; their feed token."""
    with services.db.session() as session:
        make_show(session)
        season = make_season(session, "season-1", 1, title="Closer")
        make_episode(session, services.storage, season, mp3_file, title="Opening up", number=1)
        _, token = make_member(session, services.config.secret_key, EMAIL)
    return token


@pytest.fixture
def instances(env: dict[str, str], token: str, tmp_path: Path) -> Iterator[list[Served]]:
    """Two servers (one worker each) on the same database, both already polled."""
    folders = [tmp_path / "one", tmp_path / "two"]
    for folder in folders:
        folder.mkdir()
    with lovetv_serve(env, folders[0]) as one, lovetv_serve(env, folders[1]) as two:
        for served in (one, two):
            for _ in range(10):  # the worker keeps the row once its listener is current
                assert titles(served, token) == ["Opening up"]
                time.sleep(0.05)
        yield [one, two]


def titles(served: Served, token: str) -> list[str]:
    answer = requests.get(f"{served.url}/feeds/{token}/season-1.xml", timeout=10)
    assert answer.status_code == 200
    return [e["title"] for e in parse_feed(answer.content).gpodder["episodes"]]


def lovetv(env: dict[str, str], cwd: Path, *args: str) -> str:
    command = [str(Path(sys.executable).parent / "lovetv"), *args]
    done = subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def seen_within_bound(served: list[Served], check: Callable[[Served], bool]) -> float:
    """Poll every instance until `check` holds for each; the seconds it took, at most 1."""
    started = time.monotonic()
    waiting = list(served)
    while waiting:
        waiting = [s for s in waiting if not check(s)]
        elapsed = time.monotonic() - started
        assert not waiting or elapsed < BOUND_SECONDS, f"still stale after {elapsed:.2f} s"
        time.sleep(0.02)
    return time.monotonic() - started


@contextmanager
def listeners_kept_cut(database_url: str) -> Iterator[list[int]]:
    """Terminate every worker's listening connection on this database, again and again (a
    reconnected one is cut within 20 ms) until the block ends, so that what the block
    commits is never heard; yields the count of connections cut so far."""
    name = database_url.rsplit("/", 1)[1]
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    cut, done = [0], threading.Event()

    def keep_cutting() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not done.is_set():
                cut[0] += len(
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND application_name = %s",
                        (name, APPLICATION_NAME),
                    ).fetchall()
                )
                done.wait(0.02)

    cutter = threading.Thread(target=keep_cutting)
    cutter.start()
    try:
        deadline = time.monotonic() + 10
        while cut[0] < 2 and time.monotonic() < deadline:  # one listener per instance
            time.sleep(0.01)
        assert cut[0] >= 2, "the workers' listening connections were not found"
        yield cut
    finally:
        done.set()
        cutter.join()


def revoke(instances: list[Served], env: dict[str, str], token: str, tmp_path: Path) -> None:
    lovetv(env, tmp_path, "member", "revoke", EMAIL)
    seen_within_bound(instances, lambda s: titles(s, token) == [WITHDRAWN])


def rotate(instances: list[Served], env: dict[str, str], token: str, tmp_path: Path) -> None:
    lovetv(env, tmp_path, "member", "rotate", EMAIL)
    seen_within_bound(instances, lambda s: titles(s, token) == [REPLACED])
    shown = json.loads(lovetv(env, tmp_path, "member", "show", EMAIL, "--json"))
    new_token = shown["feeds"]["season-1"].split("/feeds/")[1].split("/")[0]
    assert new_token != token
    seen_within_bound(instances, lambda s: titles(s, new_token) == ["Opening up"])


def publish(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path, audio: Path
) -> None:
    lovetv(env, tmp_path, "episode", "publish", "season-1", str(audio), "--title", "Braver")
    seen_within_bound(instances, lambda s: "Braver" in titles(s, token))


def test_a_revocation_through_the_cli_is_refused_everywhere_within_a_second(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path
) -> None:
    revoke(instances, env, token, tmp_path)


def test_a_rotation_through_the_cli_retires_the_old_link_everywhere_within_a_second(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path
) -> None:
    rotate(instances, env, token, tmp_path)


def test_an_episode_published_through_the_cli_is_in_every_feed_within_a_second(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path, mp3_file: Path
) -> None:
    publish(instances, env, token, tmp_path, mp3_file)


# The listening connection exists on PostgreSQL only (SQLite keeps no rows to drop).
POSTGRESQL_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@POSTGRESQL_ONLY
def test_a_revocation_is_refused_within_a_second_when_the_listeners_were_cut(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path
) -> None:
    with listeners_kept_cut(env["LOVETV_DATABASE_URL"]):
        lovetv(env, tmp_path, "member", "revoke", EMAIL)
    seen_within_bound(instances, lambda s: titles(s, token) == [WITHDRAWN])


@POSTGRESQL_ONLY
def test_a_rotation_is_seen_within_a_second_when_the_listeners_were_cut(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path
) -> None:
    with listeners_kept_cut(env["LOVETV_DATABASE_URL"]):
        lovetv(env, tmp_path, "member", "rotate", EMAIL)
    seen_within_bound(instances, lambda s: titles(s, token) == [REPLACED])


@POSTGRESQL_ONLY
def test_a_publish_is_seen_within_a_second_when_the_listeners_were_cut(
    instances: list[Served], env: dict[str, str], token: str, tmp_path: Path, mp3_file: Path
) -> None:
    with listeners_kept_cut(env["LOVETV_DATABASE_URL"]):
        lovetv(env, tmp_path, "episode", "publish", "season-1", str(mp3_file), "--title", "Braver")
    seen_within_bound(instances, lambda s: "Braver" in titles(s, token))
