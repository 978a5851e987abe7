"""Is the database's schema current? Answered without importing Alembic when it is.

Every command (and `serve`) refuses to run on a database that was not upgraded. Asking
Alembic costs about 0.2 s of imports on every call; the answer is almost always "yes", and
a single `SELECT version_num FROM alembic_version` compared with the newest revision in
`migrations/versions/` gives it. Only when the two differ (or the table cannot be read)
does the full check through Alembic run, which then explains what is wrong.

The newest revision is read from the migration files' `revision = "…"` and
`down_revision = "…"` lines (the one revision no other migration builds on); a test checks
it against Alembic's own head.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_REVISION = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN = re.compile(r"""^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$""", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


@cache
def head_revision(versions: Path = VERSIONS) -> str | None:
    """The newest migration's revision, or None when there is not exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revision(engine: Engine) -> str | None:
    """The revision in `alembic_version`, or None when the table is missing or empty."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None
