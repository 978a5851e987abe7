"""Usage errors are the README's one line, `error: …` naming the `--help` to read, with
click's exit code 2; every command's summary in a group's `--help` is whole, never cut off."""

from __future__ import annotations

import importlib

import click
import pytest
from click.testing import CliRunner

from publisher.cli import COMMANDS, main

# `member list`'s summary comes from publisher/cli/member_list.py, shortened separately.
NOT_YET_SHORT: set[tuple[str, str]] = set()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["episode", "edit"], "error: missing argument 'GUID' (see lovetv episode edit --help)"),
        (["episode", "list", "--bogus"], "error: no such option '--bogus'"),
        (["episode", "publish", "season-1", "gone.mp3", "--title", "T"], "'gone.mp3' does not"),
        (["stats", "--by", "year"], "error: invalid value for '--by'"),
        (["bogus"], "error: no such command 'bogus' (see lovetv --help)"),
        (["--bogus"], "error: no such option '--bogus' (see lovetv --help)"),
        (["member", "list", "--json", "--csv"], "error: choose --json or --csv, not both"),
    ],
)
def test_a_usage_error_is_one_line_with_exit_code_2(
    tmp_path, monkeypatch, args: list[str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert expected in result.stderr


def test_a_bare_group_still_shows_its_help() -> None:
    result = CliRunner().invoke(main, ["episode"])
    assert "Commands:" in result.output and "republish" in result.output


@pytest.mark.parametrize("group", sorted(COMMANDS))
def test_every_summary_in_a_groups_help_is_whole(group: str) -> None:
    module, attribute, _help = COMMANDS[group]
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Group):
        return
    result = CliRunner().invoke(main, [group, "--help"], terminal_width=80)
    assert result.exit_code == 0
    for line in result.output.split("Commands:")[1].splitlines():
        name = line.split()[0] if line.strip() else ""
        if (group, name) not in NOT_YET_SHORT:
            assert not line.endswith("..."), line


def test_publish_and_edit_help_say_notes_are_markdown_and_name_every_audio_format() -> None:
    publish = CliRunner().invoke(main, ["episode", "publish", "--help"], terminal_width=200)
    assert "MP3, M4A, Ogg Opus or Ogg Vorbis" in publish.output
    assert "Show notes, in Markdown" in publish.output and "as text" not in publish.output
    edit = CliRunner().invoke(main, ["episode", "edit", "--help"], terminal_width=200)
    assert "New show notes, in Markdown" in edit.output
