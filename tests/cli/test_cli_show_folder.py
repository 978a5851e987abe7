"""The CLI finds its show (the folder holding `instance/lovetv.db`: `LOVETV_HOME`, the
working folder or one above it) or says in one line where it looked, creating nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main

# Variables of the machine running the tests that would name a show of their own.
UNSET = {"LOVETV_DATABASE_URL": None, "LOVETV_HOME": None, "LOVETV_STORAGE_URL": None}


def _lovetv(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str, **env: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(folder)
    return CliRunner(env={**UNSET, **env}).invoke(main, list(args))


@pytest.fixture
def show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A show's folder, started by `lovetv db upgrade` and given one season."""
    folder = tmp_path / "show"
    folder.mkdir()
    assert _lovetv(folder, monkeypatch, "db", "upgrade").exit_code == 0
    added = _lovetv(folder, monkeypatch, "season", "add", "season-1", "--title", "Closer")
    assert added.exit_code == 0, added.output
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["season", "list"],
        ["member", "list"],
        ["member", "add", "pat@example.com"],
        ["show", "get"],
        ["mail", "list"],
        ["storage", "clean"],
    ],
)
def test_a_command_in_a_folder_without_a_show_says_where_it_looked_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    empty = tmp_path / "audio"
    empty.mkdir()
    result = _lovetv(empty, monkeypatch, *args)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: no show found: ")
    assert str(empty / "instance" / "lovetv.db") in result.stderr
    assert "LOVETV_HOME" in result.stderr
    assert list(empty.iterdir()) == []


def test_a_command_in_a_folder_below_the_show_uses_the_show(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = show / "recordings" / "season-1"
    audio.mkdir(parents=True)
    result = _lovetv(audio, monkeypatch, "season", "list")
    assert result.exit_code == 0, result.output
    assert "season-1" in result.stdout
    assert list(audio.iterdir()) == []


def test_lovetv_home_names_the_show_from_anywhere(
    show: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _lovetv(elsewhere, monkeypatch, "season", "list", LOVETV_HOME=str(show))
    assert result.exit_code == 0, result.output
    assert "season-1" in result.stdout
    assert list(elsewhere.iterdir()) == []


def test_lovetv_home_without_a_show_is_one_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "not-yet"
    result = _lovetv(tmp_path, monkeypatch, "season", "list", LOVETV_HOME=str(home))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert f"no show at {home / 'instance' / 'lovetv.db'} (LOVETV_HOME)" in result.stderr
    assert not home.exists() and not (tmp_path / "instance").exists()


def test_db_upgrade_starts_a_show_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _lovetv(tmp_path, monkeypatch, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "lovetv.db").is_file()
    assert (tmp_path / "instance" / "secret_key").is_file()


def test_an_explicit_database_url_is_used_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    upgraded = _lovetv(tmp_path, monkeypatch, "db", "upgrade", LOVETV_DATABASE_URL=url)
    assert upgraded.exit_code == 0, upgraded.output
    listed = _lovetv(tmp_path, monkeypatch, "season", "list", LOVETV_DATABASE_URL=url)
    assert listed.exit_code == 0, listed.output
