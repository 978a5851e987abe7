"""An app over SQLite and a local folder, for tests of behaviour that is not about backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from publisher.config import load_config
from support.service_env import service_env

SECRET = "hardening-secret-key-long-enough-0123456789"
BASE_URL = "http://podcasts.lovetv.test"


def plain_env(database_url: str, storage_url: str, **extra: str) -> dict[str, str]:
    return service_env(database_url, storage_url, base_url=BASE_URL, secret=SECRET, **extra)


def built(env: dict[str, str], instance: Path) -> Iterator[Any]:
    """Yield a testing app over `env`, its connections disposed afterwards."""
    from publisher.app import create_app
    from publisher.services import services_of

    app = create_app(config=load_config(environ=env, instance_path=instance))
    app.config["TESTING"] = True
    yield app
    services_of(app).db.dispose()
