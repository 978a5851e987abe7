"""`Config` and `load_config`: the settings table read, defaulted and checked as a whole.

Each setting is parsed on its own by its row in `SETTINGS`; what is left here are the few
rules that tie settings together (which environment this is, the secret it needs, plain
http in production, demo billing in development only) and where the show's files live.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from publisher.config.parsers import ConfigError, loopback, plain_http
from publisher.config.settings import SETTINGS
from publisher.imports.destinations import Destinations


@dataclass(frozen=True)
class Config:
    """The validated settings one process runs with (defaults live in `SETTINGS` only)."""

    database_url: str
    storage_url: str
    base_url: str
    secret_key: str
    env: str
    instance_path: Path
    stripe_api_key: str | None
    stripe_webhook_secret: str | None
    stripe_api_base: str | None
    stripe_prices: Mapping[str, str]
    trial_days: Mapping[str, int]
    promotion_codes: bool
    allow_http: bool
    demo_billing: str | None
    smtp_url: str | None
    mail_from: str
    trusted_proxies: int
    past_due_grace_days: int
    sharing_networks: int
    metrics_token: str | None
    jobs: dict[str, timedelta | None]
    sharing_auto_rotate: bool
    import_allow_hosts: Destinations

    @property
    def dev(self) -> bool:
        return self.env == "development"


def read_environment(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None
) -> dict[str, str]:
    """Merge `.env` from the working directory under the real environment (which wins)."""
    env = dict(os.environ if environ is None else environ)
    path = Path(".env") if dotenv_path is None else dotenv_path
    if path.is_file():
        for key, value in dotenv_values(path).items():
            if value is not None:
                env.setdefault(key, value)
    return env


def _show_home(env: dict[str, str], home: Path | None) -> Path | None:
    """The show's folder (`home`, else `LOVETV_HOME`); its `.env` is read under the rest, and
    the database and media default to its `instance/` rather than the working folder's."""
    if home is None and env.get("LOVETV_HOME", "").strip():
        home = Path(env["LOVETV_HOME"].strip()).expanduser()
    if home is None:
        return None
    home = home.absolute()
    if (home / ".env").is_file() and home != Path.cwd().absolute():
        env.update(read_environment(env, home / ".env"))
    if not env.get("LOVETV_DATABASE_URL"):
        env["LOVETV_DATABASE_URL"] = f"sqlite:///{home / 'instance' / 'lovetv.db'}"
    if not env.get("LOVETV_STORAGE_URL"):
        env["LOVETV_STORAGE_URL"] = f"file://{home / 'instance' / 'media'}"
    return home


def load_config(
    environ: Mapping[str, str] | None = None,
    instance_path: Path | None = None,
    overrides: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Config:
    """Read, default and validate every setting; raise `ConfigError` with one line.

    `home` (or `LOVETV_HOME`) is the show's folder (`publisher.show_folder`): its
    `instance/` is used instead of the working folder's."""
    env = read_environment(environ)
    if overrides:
        env.update(overrides)
    show_home = None if instance_path else _show_home(env, home)
    default_instance = show_home / "instance" if show_home else Path("instance")
    instance = (instance_path or default_instance).absolute()

    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.field is None:
            continue
        raw = (env.get(setting.name) or "").strip() or setting.default
        values[setting.field] = setting.parse(setting.name, raw)
    _settle_environment(values, instance)
    return Config(instance_path=instance, **values)


def _settle_environment(values: dict[str, Any], instance: Path) -> None:
    """The rules between settings: which environment this is and what it then requires."""
    base_url = values["base_url"]
    # Development only where nobody else can reach the service: SQLite and a loopback base
    # URL (`make run`). A public base URL on SQLite is a one-machine deploy, not a laptop:
    # it must not get demo billing, a generated secret or logged sign-in links by default.
    if values["env"] is None:
        local = values["database_url"].startswith("sqlite") and loopback(base_url)
        values["env"] = "development" if local else "production"
    development = values["env"] == "development"
    if values["secret_key"] is None:
        if not development:
            raise ConfigError(
                "LOVETV_SECRET_KEY is required in production (generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        values["secret_key"] = _dev_secret(instance)
    if not development and not values["allow_http"] and plain_http(base_url):
        raise ConfigError(
            f"LOVETV_BASE_URL is {base_url}: production needs https:// (members' cookies and "
            "feed links travel over it); set LOVETV_ALLOW_HTTP=1 only if a proxy adds TLS"
        )
    if values["demo_billing"] and not development:
        raise ConfigError(
            "LOVETV_DEMO_BILLING is for development only: unset it and set STRIPE_API_KEY "
            "(and the other STRIPE_ variables) to take real payments"
        )
    if values["mail_from"] is None:
        values["mail_from"] = f"no-reply@{urlsplit(base_url).hostname or 'localhost'}"


def _dev_secret(instance: Path) -> str:
    """Generate the development secret once, so feed URLs survive restarts."""
    path = instance / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its secret
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    return secret
