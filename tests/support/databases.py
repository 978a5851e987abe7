"""Fresh databases per test on SQLite and PostgreSQL, cloned from a migrated template.

Migrating once per session and cloning per test (a file copy on SQLite, `CREATE DATABASE
… TEMPLATE` on PostgreSQL) keeps every test isolated and the suite fast. Names carry the
process id so parallel workers and parallel runs never share a database.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import psycopg

from publisher.db import Database

PG_ADMIN_DSN = os.environ.get(
    "LOVETV_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
PG_URL_BASE = os.environ.get("LOVETV_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
_counter = itertools.count()


def migrate(url: str) -> None:
    database = Database(url)
    try:
        database.upgrade()
    finally:
        database.dispose()


class SqliteTemplates:
    """A migrated SQLite file copied for each test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.db"
        migrate(f"sqlite:///{self.template}")

    def fresh(self) -> str:
        target = self.workdir / f"test-{next(_counter)}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresTemplates:
    """A migrated PostgreSQL template database cloned for each test."""

    def __init__(self) -> None:
        self.prefix = f"lovetv_test_{os.getpid()}"
        self.template = f"{self.prefix}_tpl"
        self._drop_stale()
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.template}"')
        migrate(f"{PG_URL_BASE}/{self.template}")

    @staticmethod
    def _admin() -> psycopg.Connection:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)

    def _drop_stale(self) -> None:
        """Drop databases left by test runs whose process is gone (a killed run)."""
        with self._admin() as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'lovetv_test_%'"
                )
            ]
            for name in names:
                pid = name.split("_")[2]
                if pid.isdigit() and not _alive(int(pid)):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def fresh(self) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return f"{PG_URL_BASE}/{name}"

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


def postgres_reachable() -> str | None:
    """None when the test server answers, else the reason it does not."""
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
