"""Fixtures every test shares: fresh databases on SQLite and PostgreSQL, a store, the app
and its client, the CLI runner, and real audio files.

Servers are session-scoped (one per xdist worker); databases, buckets and folders are per
test, so tests run in parallel without seeing each other.

Two markers choose the wiring a module's tests run with, visibly at the module's top:
- `pytest.mark.every_store`: storage is the subject, so each test runs on a local folder
  and on the S3 server; without it a test runs on a local folder.
- `pytest.mark.stripe`: the service sells through the test's own fake Stripe account
  (`stripe_account`), served at its own loopback address (`live_url`).

Fixtures kept in `support/` (a browser, the fake Stripe, a served app, a clock, ...) are
registered below as plugins, so a test names them as arguments and imports nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.apps import built_app
from support.databases import PostgresTemplates, SqliteTemplates, postgres_reachable
from support.media import make_m4a, make_mp3
from support.s3server import running_s3_server
from support.service_env import service_env

from audio.storage import Storage
from publisher.config import Config, load_config
from publisher.db import Database
from publisher.services import Services

# In dependency order, so each is imported (and its asserts rewritten) as a plugin first.
pytest_plugins = [
    "support.fake_stripe",
    "support.stripe_app",
    "support.accounts",
    "support.browser",
    "support.clock",
    "support.downloads",
    "support.made_run",
]


# --- databases -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgresql_templates() -> Iterator[PostgresTemplates]:
    reason = postgres_reachable()
    if reason is not None:
        message = f"PostgreSQL on 127.0.0.1:5432 is not reachable: {reason}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI requires it; the suite never skips it there)")
        pytest.skip(message)
    templates = PostgresTemplates()
    yield templates
    templates.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly migrated, empty database of each kind, dropped after the test."""
    templates = request.getfixturevalue(f"{request.param}_templates")
    url = templates.fresh()
    yield url
    templates.drop(url)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The `Database` of a fresh database of each kind, for tests of the data layer alone."""
    built = Database(database_url)
    yield built
    built.dispose()


@pytest.fixture
def sqlite_url(sqlite_templates: SqliteTemplates) -> Iterator[str]:
    """For tests about something other than the database: SQLite only."""
    url = sqlite_templates.fresh()
    yield url
    sqlite_templates.drop(url)


# --- storage -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server over real HTTP; boto3 finds it through its own variables."""
    with running_s3_server() as endpoint:
        saved = {k: os.environ.get(k) for k in _AWS_ENV}
        os.environ.update(
            AWS_ENDPOINT_URL_S3=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        yield endpoint
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_AWS_ENV = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new empty bucket on the S3 server."""
    import boto3

    name = f"lovetv-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run on both stores only the modules marked `every_store`."""
    chosen = any(
        "store_kind" in str(marker.args[0])
        for marker in metafunc.definition.iter_markers("parametrize")
    )  # a test that names its one store, e.g. `parametrize("store_kind", ["s3"])`
    if "store_kind" in metafunc.fixturenames and not chosen:
        every = metafunc.definition.get_closest_marker("every_store") is not None
        metafunc.parametrize(
            "store_kind", ["local", "s3"] if every else ["local"], scope="function"
        )


@pytest.fixture
def storage_url(request: pytest.FixtureRequest, store_kind: str, tmp_path: Path) -> str:
    """A fresh store, as a `LOVETV_STORAGE_URL`: a folder, or a bucket on the S3 server."""
    if store_kind == "local":
        return f"file://{tmp_path / 'media'}"
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/media"


@pytest.fixture
def local_storage_url(tmp_path: Path) -> str:
    return f"file://{tmp_path / 'media'}"


# --- the service -------------------------------------------------------------------------


@pytest.fixture
def env(request: pytest.FixtureRequest, database_url: str, storage_url: str) -> dict[str, str]:
    """The environment a test's app and CLI run with (see the markers above)."""
    if request.node.get_closest_marker("stripe") is not None:
        from support.stripe_app import billing_env

        return billing_env(database_url, storage_url, request.getfixturevalue("stripe_account"))
    return service_env(database_url, storage_url)


@pytest.fixture
def config(env: dict[str, str], tmp_path: Path) -> Config:
    return load_config(environ=env, instance_path=tmp_path / "instance")


@pytest.fixture
def services(config: Config) -> Iterator[Services]:
    built = Services.from_config(config)
    yield built
    built.db.dispose()


@pytest.fixture
def storage(services: Services) -> Storage:
    return services.storage


@pytest.fixture
def app(config: Config):  # type: ignore[no-untyped-def]
    yield from built_app(config)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def catalog(app, mp3_file):  # type: ignore[no-untyped-def]
    """A show with a season of every kind of episode and one member, in the test's `app`."""
    from support.catalog_factory import Catalog

    from publisher.services import services_of

    return Catalog(services_of(app), mp3_file)


@pytest.fixture
def runner(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Runs `lovetv` in-process with the test's environment, from an empty folder."""
    monkeypatch.chdir(tmp_path)
    return CliRunner(env=env)


# --- audio ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def mp3_file(audio_dir: Path) -> Path:
    """A real 3-second MP3 (never modify it: copy first)."""
    return make_mp3(audio_dir / "tone.mp3", seconds=3.0)


@pytest.fixture(scope="session")
def m4a_file(audio_dir: Path) -> Path:
    """A real 3-second AAC M4A (never modify it: copy first)."""
    return make_m4a(audio_dir / "tone.m4a", seconds=3.0)
