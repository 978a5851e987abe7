"""A backup restores with every feed URL intact, and a wrong key is refused, not obeyed.

Feed URLs are HMACs of `LOVETV_SECRET_KEY`: what keeps them is the database (pg_dump) plus
the same key. The test dumps a PostgreSQL database, restores it into a fresh one, and serves
byte-identical member feeds from it; started with another key, the service refuses in one
line instead of answering every member's app with a 404.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from support.catalog_factory import Catalog
from support.databases import PG_ADMIN_DSN
from support.service_env import TEST_SECRET, service_env

from publisher.app import create_app
from publisher.cli import main
from publisher.config import ConfigError, load_config
from publisher.services import Services

OTHER_SECRET = "another-secret-key-that-made-no-feed-urls-0123456789"


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def restored_url(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty database beside the test's, dropped afterwards."""
    name = f"lovetv_restored_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def feeds_of(env: dict[str, str], instance: Path, catalog: Catalog) -> list[tuple[bytes, str]]:
    """Each member feed's bytes and ETag, as an app fetches them."""
    client = create_app(config=load_config(environ=env, instance_path=instance)).test_client()
    answers = [client.get(catalog.feed_path(slug=slug)) for slug in ("season-1", "season-2")]
    assert all(a.status_code == 200 for a in answers)
    return [(a.data, a.headers["ETag"]) for a in answers]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_restored_dump_serves_the_same_feeds_and_a_wrong_key_is_refused(
    database_url: str, local_storage_url: str, restored_url: str, tmp_path: Path, mp3_file: Path
) -> None:
    env = service_env(database_url, local_storage_url)
    services = Services.from_config(load_config(environ=env, instance_path=tmp_path / "a"))
    services.require_ready()  # the first start records the key's fingerprint
    catalog = Catalog(services, mp3_file)
    before = feeds_of(env, tmp_path / "a", catalog)

    dump = tmp_path / "lovetv.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", libpq(database_url)],
        check=True,
        timeout=60,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={libpq(restored_url)}", str(dump)],
        check=True,
        timeout=60,
    )
    restored = {**env, "LOVETV_DATABASE_URL": restored_url}
    assert feeds_of(restored, tmp_path / "b", catalog) == before  # same URLs, bytes, ETags

    wrong = {**restored, "LOVETV_SECRET_KEY": OTHER_SECRET}
    with pytest.raises(ConfigError, match=r"^LOVETV_SECRET_KEY is not the key") as refused:
        create_app(config=load_config(environ=wrong, instance_path=tmp_path / "c"))
    assert "\n" not in str(refused.value) and OTHER_SECRET not in str(refused.value)
    assert TEST_SECRET not in str(refused.value)
    command = CliRunner(env=wrong).invoke(main, ["member", "list"])
    assert command.exit_code == 1
    assert command.output.startswith("error: LOVETV_SECRET_KEY is not the key")
