"""The cores stay plain Python: arrows point from `publisher/` down, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"flask", "werkzeug", "sqlalchemy", "alembic", "publisher"}
CORES = ("feeds", "audio", "auth")


def imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("core", CORES)
def test_core_never_imports_the_shell_flask_or_the_database(core: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & FORBIDDEN)
        for path in (ROOT / core).rglob("*.py")
        if imported_top_levels(path) & FORBIDDEN
    }
    assert offenders == {}


@pytest.mark.parametrize("core", CORES)
def test_core_never_reaches_into_another_core(core: str) -> None:
    others = set(CORES) - {core}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & others)
        for path in (ROOT / core).rglob("*.py")
        if imported_top_levels(path) & others
    }
    assert offenders == {}
