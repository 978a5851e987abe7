"""`lovetv serve` before any worker starts: development stays on loopback, production open to
other machines is told to sit behind a buffering proxy, and links name the port served."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.cli.server import _check_exposure, _default_base_url
from publisher.config import load_config

SECRET = "serve-exposure-secret-key-long-enough-0123456789"


def test_development_mode_is_refused_on_a_non_loopback_host(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    env = {
        "LOVETV_ENV": "development",
        "LOVETV_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "LOVETV_BASE_URL": "http://127.0.0.1:5999",  # set, so serve sets nothing of its own
    }
    CliRunner(env=env).invoke(main, ["db", "upgrade"])
    result = CliRunner(env=env).invoke(main, ["serve", "--host", "0.0.0.0", "--port", "5999"])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith("error: development mode serves only on a loopback address, not 0.0.0.0")
    )


def production(tmp_path: Path, **extra: str):  # type: ignore[no-untyped-def]
    environ = {
        "LOVETV_ENV": "production",
        "LOVETV_SECRET_KEY": SECRET,
        "LOVETV_BASE_URL": "https://podcasts.example.com",
        "LOVETV_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        **extra,
    }
    return load_config(environ=environ, instance_path=tmp_path)


def test_production_on_an_open_address_without_a_proxy_is_warned(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _check_exposure(production(tmp_path), "0.0.0.0")
    warning = capsys.readouterr().err
    assert warning.startswith("warning: serving on 0.0.0.0 without LOVETV_TRUSTED_PROXIES")
    _check_exposure(production(tmp_path, LOVETV_TRUSTED_PROXIES="1"), "0.0.0.0")
    _check_exposure(production(tmp_path), "127.0.0.1")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:5601"),
        ("0.0.0.0", "http://127.0.0.1:5601"),
        ("::1", "http://[::1]:5601"),
        ("192.0.2.7", "http://192.0.2.7:5601"),
    ],
)
def test_links_name_the_port_served_unless_a_base_url_is_set(
    host: str, expected: str, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("LOVETV_BASE_URL", "unset-after-the-test")  # what serve sets is undone
    monkeypatch.delenv("LOVETV_BASE_URL")
    _default_base_url(host, 5601)
    assert os.environ["LOVETV_BASE_URL"] == expected
    monkeypatch.setenv("LOVETV_BASE_URL", "https://podcasts.example.com")
    _default_base_url(host, 5601)
    assert os.environ["LOVETV_BASE_URL"] == "https://podcasts.example.com"


def test_production_without_a_base_url_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOVETV_BASE_URL", "unset-after-the-test")  # what serve sets is undone
    monkeypatch.delenv("LOVETV_BASE_URL")
    env = {
        "LOVETV_ENV": "production",
        "LOVETV_SECRET_KEY": SECRET,
        "LOVETV_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    CliRunner(env=env).invoke(main, ["db", "upgrade"])
    result = CliRunner(env=env).invoke(main, ["serve", "--port", "5998"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: LOVETV_BASE_URL is not set")
