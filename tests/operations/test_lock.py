"""Reproducible installs: `make install` installs exactly the lock, and the lock covers
every dependency `pyproject.toml` names, each pinned with hashes."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.txt"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", re.MULTILINE)


def locked() -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall(LOCK.read_text())}


def test_the_environment_holds_exactly_the_locked_versions() -> None:
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    installed = {
        canonicalize_name(name): version
        for name, version in PIN.findall(frozen)
        if canonicalize_name(name) != "lovetv"
    }
    assert installed == locked()


def test_every_dependency_of_the_project_is_locked_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = locked()
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec.name} is not in requirements.txt: run make lock"
        assert spec.specifier.contains(pins[name], prereleases=True), (spec, pins[name])


def test_every_pin_carries_its_hashes_and_no_machine_paths() -> None:
    text = LOCK.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[1] if "\n\n" in text else text)
    for entry in (e for e in entries if "==" in e):
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert not re.search(r"--(extra-)?index-url|--find-links|file://", text)
