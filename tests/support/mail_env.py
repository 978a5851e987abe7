"""The configuration a mail test runs with: its database, a local store, SMTP or files."""

from __future__ import annotations

from pathlib import Path

from publisher.config import Config, load_config
from support.service_env import service_env


def mail_environment(database_url: str, folder: Path, smtp_url: str | None) -> dict[str, str]:
    extra = {"LOVETV_SMTP_URL": smtp_url} if smtp_url else {}
    return service_env(
        database_url,
        f"file://{folder / 'media'}",
        LOVETV_MAIL_FROM="Love TV <hello@lovetv.test>",
        **extra,
    )


def mail_config(database_url: str, folder: Path, smtp_url: str | None, **extra: str) -> Config:
    env = mail_environment(database_url, folder, smtp_url) | extra
    return load_config(environ=env, instance_path=folder / "instance")
