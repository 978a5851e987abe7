"""The show, season and episodes CLI tests start from, made through `lovetv` itself."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from publisher.cli import main
from support.cli_results import succeeded


def season_ready(runner: CliRunner, slug: str = "season-1", title: str = "Closer") -> str:
    """A migrated database with the show and one empty season; its slug."""
    succeeded(runner.invoke(main, ["db", "upgrade"]))
    succeeded(runner.invoke(main, ["show", "set", "--title", "Love TV", "--author", "Ann"]))
    succeeded(runner.invoke(main, ["season", "add", slug, "--title", title, "--number", "1"]))
    return slug


def published(
    runner: CliRunner, audio: Path, title: str = "Opening up", season: str = "season-1"
) -> dict:
    """`episode publish --json` of `audio` into `season`, read."""
    args = ["episode", "publish", season, str(audio), "--title", title, "--json"]
    return json.loads(succeeded(runner.invoke(main, args)))
