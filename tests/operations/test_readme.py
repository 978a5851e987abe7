"""The README is read top-down by a newcomer: what it is, the two commands, "Try it", the
CLI, running it for real; the long reference lives in `docs/`, each file linked from it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click

from publisher.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
LINES = README.splitlines()


def test_the_readme_is_short_and_starts_with_the_set_up_then_try_it() -> None:
    assert len(LINES) < 350
    headings = [line for line in LINES if line.startswith("## ")]
    assert headings[:3] == ["## Set-up", "## Try it in ten minutes", "## Contents"]
    try_it = LINES.index("## Try it in ten minutes")
    assert try_it < 60
    first_hour = "\n".join(LINES[try_it:60])
    for must in ("http://127.0.0.1:5000/", "demo-member@lovetv.example", "instance/mail/"):
        assert must in first_hour
    for must in ("episode publish", "/gift", "?code=LAUNCH"):
        assert must in first_hour
    order = ["## The `lovetv` command", "## Configuration", "## Running it for real"]
    assert [LINES.index(h) for h in order] == sorted(LINES.index(h) for h in order)


def test_every_reference_moved_to_docs_is_linked_and_there() -> None:
    linked = set(re.findall(r"\]\((docs/[a-z-]+\.md)\)", README))
    on_disk = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert linked == on_disk
    for name in ("testing", "benchmarks", "operations", "security"):
        assert f"docs/{name}.md" in linked
    for path in on_disk:  # each doc leads back
        assert "](../README.md" in (ROOT / path).read_text(), path
    assert "mutmut" in (ROOT / "docs/testing.md").read_text()
    assert "| figure | measured | target |" in (ROOT / "docs/benchmarks.md").read_text()


def _commands() -> list[str]:
    """`lovetv GROUP SUB` for every command the CLI has."""
    found = []
    for name, (module, attribute, _help) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        if isinstance(command, click.Group):
            found += [f"lovetv {name} {sub}" for sub in command.commands]
        else:
            found.append(f"lovetv {name}")
    return found


def test_every_command_is_in_the_readmes_command_list() -> None:
    section = README.split("## The `lovetv` command", 1)[1].split("\n## ", 1)[0]
    listed = {line.split("[")[0].split("#")[0].strip() for line in section.splitlines()}
    listed = {" ".join(line.split()[:3]) for line in listed if line.startswith("lovetv ")}
    missing = [c for c in _commands() if c not in listed and " ".join(c.split()[:2]) not in listed]
    assert missing == []
