"""The CLI starts at once: commands are loaded when chosen, heavy libraries when used, and
the schema check asks Alembic only when the database is not at the newest revision."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import text
from support.service_env import service_env

from publisher.cli import COMMANDS, main
from publisher.config import ConfigError
from publisher.db import Database, DatabaseError, alembic_config
from publisher.key_fingerprint import fingerprint, require_same_key
from publisher.models import FeedToken, Member
from publisher.schema_check import head_revision, stored_revision

HEAVY = ("alembic", "boto3", "botocore", "stripe", "feedgen", "flask", "PIL", "mutagen")


def _imported_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    return [name for name in HEAVY if name in modules]


def test_help_lists_every_command_with_its_own_help_line() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, (module, attribute, help_line) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert command.get_short_help_str(limit=200) == help_line, name
        assert f"  {name} " in result.output
    assert "..." not in result.output.split("Commands:")[1]  # every line whole, never cut off
    assert "storage" in COMMANDS


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from publisher.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert _imported_after(code) == []


@pytest.mark.parametrize("command", ["season", "member", "mail", "stats", "storage", "show"])
def test_loading_a_command_group_imports_no_library_it_does_not_use(command: str) -> None:
    module = COMMANDS[command][0]
    # Alembic still arrives through publisher.db (its own module imports it at the top).
    assert [m for m in _imported_after(f"import {module}") if m != "alembic"] == []


def test_the_head_revision_read_from_the_files_is_alembics(database: Database) -> None:
    script = ScriptDirectory.from_config(alembic_config(database.engine))
    assert head_revision() == script.get_current_head()


def test_a_current_database_passes_and_an_old_one_is_refused_by_alembic(
    database: Database,
) -> None:
    database.upgrade()
    assert stored_revision(database.engine) == head_revision()
    database.require_current_schema()
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(DatabaseError) as info:
        database.require_current_schema()
    assert "run `lovetv db upgrade` first" in str(info.value)


# What `lovetv season list` may not load: the ORM and the models (it counts with Core), the
# HTTP client of `import feed` and the demo billing stand-in (both reached by the settings).
NOT_FOR_A_LISTING = (
    "sqlalchemy.orm",
    "publisher.models",
    "requests",
    "urllib3",
    "urllib.request",
    "publisher.demo.billing.engine",
    *HEAVY,
)


@pytest.mark.parametrize("mode", ["production", "development"])
def test_a_season_list_loads_neither_the_orm_nor_the_models(
    database_url: str, tmp_path: Path, mode: str
) -> None:
    env = {**os.environ, **service_env(database_url, f"file://{tmp_path / 'media'}")}
    env["LOVETV_ENV"] = mode
    code = (
        "import sys, json\nfrom publisher.cli import main\n"
        "try:\n    main(['season', 'list', '--json'])\nexcept SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    listing, modules = done.stdout.splitlines()[-2:]
    assert json.loads(listing) == []
    loaded = set(json.loads(modules))
    assert sorted(m for m in NOT_FOR_A_LISTING if m in loaded) == []


def test_the_key_check_records_compares_and_refuses_without_the_orm(database: Database) -> None:
    first, other = "first-key-0123456789abcdefghijklmnop", "other-key-0123456789abcdefghijklmnop"
    require_same_key(database, first)  # recorded
    require_same_key(database, first)  # the same key passes
    require_same_key(database, other)  # no feed URL made yet: the new key is taken
    with database.engine.connect() as conn:
        stored = conn.execute(text("SELECT fingerprint FROM service_keys")).scalars().all()
    assert stored == [fingerprint(other)]
    with database.session() as session:
        member = Member(email="ann@example.com")
        session.add(member)
        session.flush()
        session.add(FeedToken(member_id=member.id, nonce="n", lookup_hash="h"))
    with pytest.raises(ConfigError, match=r"^LOVETV_SECRET_KEY is not the key") as refused:
        require_same_key(database, first)
    assert fingerprint(other) in str(refused.value)
    require_same_key(database, other)
