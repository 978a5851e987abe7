"""The `lovetv` command's frame: help, migrations, the demo, and a real gunicorn server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests
from click.testing import CliRunner
from sqlalchemy import select
from support.network import free_port, wait_for_http

from auth.tokens import lookup_hash
from publisher.cli import main
from publisher.models import Episode, FeedToken, Member, OutboxMessage, Season, Show
from publisher.services import Services


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "serve", "demo"):
        assert f"  {command} " in result.output


def test_db_upgrade_is_idempotent(runner: CliRunner) -> None:
    for _ in range(2):
        result = runner.invoke(main, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "database at revision" in result.output


def demo_snapshot(services: Services) -> dict[str, object]:
    """Every row and stored object the demo creates, in a comparable form."""
    tables = {
        "shows": select(Show.id, Show.title, Show.image_key),
        "seasons": select(Season.slug, Season.title, Season.number),
        "episodes": select(Episode.guid, Episode.title, Episode.audio_key, Episode.teaser),
        "members": select(Member.email, Member.status, Member.plan),
        "tokens": select(FeedToken.member_id, FeedToken.lookup_hash, FeedToken.retired_at),
        "outbox": select(OutboxMessage.kind, OutboxMessage.to_address),
    }
    with services.db.session() as session:
        rows: dict[str, object] = {
            name: sorted(tuple(row) for row in session.execute(query))
            for name, query in tables.items()
        }
    rows["stored"] = services.storage.keys()
    return rows


def test_demo_is_idempotent(runner: CliRunner, services: Services) -> None:
    first = runner.invoke(main, ["demo", "--json"])
    assert first.exit_code == 0, first.output
    created = demo_snapshot(services)
    second = runner.invoke(main, ["demo", "--json"])
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert demo_snapshot(services) == created
    assert len(created["shows"]) == 1 and len(created["members"]) == 1  # type: ignore[arg-type]
    assert len(created["episodes"]) >= 2 and len(created["tokens"]) == 1  # type: ignore[arg-type]
    urls = json.loads(first.stdout)["urls"]
    token = next(u for name, u in urls.items() if "member" in name).split("/")[-2]
    with services.db.session() as session:
        assert session.scalar(select(FeedToken.lookup_hash)) == lookup_hash(token)


def test_bad_configuration_is_one_line_on_stderr(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["db", "upgrade"], env={"LOVETV_STORAGE_URL": "ftp://nowhere"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: LOVETV_STORAGE_URL: unsupported URL")
    assert result.stderr.count("\n") == 1


def test_serve_refuses_an_unmigrated_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"LOVETV_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert "run `lovetv db upgrade`" in result.stderr


def test_serve_runs_gunicorn_on_both_databases(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    lovetv = Path(sys.executable).parent / "lovetv"
    proc = subprocess.Popen(
        [str(lovetv), "serve", "--port", str(port), "--workers", "1"],
        env={**os.environ, **env},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json() == {
            "status": "ok"
        }
        # /healthz is liveness only; readiness (database and storage) is /readyz.
        response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "storage": "ok"}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_demo_prints_the_home_page_first_then_the_demo_member_and_their_feed(
    runner: CliRunner,
) -> None:
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Love TV demo is ready."
    assert lines[1] == "  home page: http://podcasts.lovetv.test/"
    assert lines[2].startswith("  demo member: demo-member@lovetv.example (")
    assert "instance/mail/" in lines[2]
    assert lines[3].startswith("  demo member feed (season-1): http://podcasts.lovetv.test/feeds/")
