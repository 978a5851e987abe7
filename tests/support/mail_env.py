"""The configuration a mail test runs with: its database, a local store, SMTP or files."""

from __future__ import annotations

from pathlib import Path

from publisher.config import Config, load_config

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def mail_environment(database_url: str, folder: Path, smtp_url: str | None) -> dict[str, str]:
    env = {
        "LOVETV_DATABASE_URL": database_url,
        "LOVETV_STORAGE_URL": f"file://{folder / 'media'}",
        "LOVETV_BASE_URL": "http://podcasts.lovetv.test",
        "LOVETV_SECRET_KEY": TEST_SECRET,
        "LOVETV_ENV": "production",
        "LOVETV_ALLOW_HTTP": "1",
        "LOVETV_MAIL_FROM": "Love TV <hello@lovetv.test>",
    }
    if smtp_url:
        env["LOVETV_SMTP_URL"] = smtp_url
    return env


def mail_config(database_url: str, folder: Path, smtp_url: str | None, **extra: str) -> Config:
    env = mail_environment(database_url, folder, smtp_url) | extra
    return load_config(environ=env, instance_path=folder / "instance")
