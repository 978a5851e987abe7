"""Configuration: defaults, validation in one line, and the README documenting every setting."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from publisher.config import SETTINGS, Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_put_everything_under_instance(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={}, instance_path=tmp_path / "instance")
    assert config.database_url == f"sqlite:///{tmp_path}/instance/lovetv.db"
    assert config.storage_url == f"file://{tmp_path}/instance/media"
    assert config.base_url == "http://127.0.0.1:5000"
    assert config.dev
    assert (tmp_path / "instance" / "secret_key").read_text().strip() == config.secret_key


def test_dev_secret_is_generated_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = load_config(environ={}, instance_path=tmp_path / "instance").secret_key
    second = load_config(environ={}, instance_path=tmp_path / "instance").secret_key
    assert first == second and len(first) >= 32


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "LOVETV_BASE_URL=https://from-dotenv.example\nLOVETV_PAST_DUE_GRACE_DAYS=3\n"
        "LOVETV_ENV=development\n"
    )
    config = load_config(environ={"LOVETV_PAST_DUE_GRACE_DAYS": "9"})
    assert config.base_url == "https://from-dotenv.example"
    assert config.past_due_grace_days == 9


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOVETV_DATABASE_URL", "mysql://x/y", "LOVETV_DATABASE_URL: unsupported URL"),
        ("LOVETV_STORAGE_URL", "ftp://host/dir", "LOVETV_STORAGE_URL: unsupported URL"),
        ("LOVETV_STORAGE_URL", "s3://", "needs a bucket name"),
        ("LOVETV_BASE_URL", "podcasts.example", "LOVETV_BASE_URL: unsupported URL"),
        ("LOVETV_STRIPE_PRICES", "weekly=price_1", "LOVETV_STRIPE_PRICES: bad entry"),
        ("LOVETV_PAST_DUE_GRACE_DAYS", "soon", "must be a whole number"),
        ("LOVETV_ENV", "staging", "LOVETV_ENV must be"),
    ],
)
def test_bad_values_stop_start_up_with_one_line(
    tmp_path: Path, monkeypatch, name: str, value: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        load_config(environ={name: value}, instance_path=tmp_path / "instance")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("base_url", "env"),
    [
        ("http://127.0.0.1:5000", "development"),
        ("http://localhost:5000", "development"),
        ("http://[::1]:5000", "development"),
        ("https://podcasts.example.com", "production"),
        ("http://192.168.1.20:5000", "production"),
    ],
)
def test_sqlite_is_development_only_behind_a_loopback_base_url(
    tmp_path: Path, monkeypatch, base_url: str, env: str
) -> None:
    """A one-machine deploy on SQLite behind nginx that leaves LOVETV_ENV out is production:
    no demo billing, no generated secret, no logged sign-in links."""
    monkeypatch.chdir(tmp_path)
    environ = {"LOVETV_BASE_URL": base_url, "LOVETV_ALLOW_HTTP": "1"}
    if env == "production":
        with pytest.raises(ConfigError, match="LOVETV_SECRET_KEY is required in production"):
            load_config(environ=environ, instance_path=tmp_path / "instance")
        assert not (tmp_path / "instance" / "secret_key").exists()
        environ["LOVETV_SECRET_KEY"] = "s" * 40
    assert load_config(environ=environ, instance_path=tmp_path / "instance").env == env


def test_production_requires_a_secret(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"LOVETV_DATABASE_URL": "postgresql+psycopg://db.example/lovetv"}
    with pytest.raises(ConfigError, match="LOVETV_SECRET_KEY is required"):
        load_config(environ=env, instance_path=tmp_path / "instance")
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_stripe_prices_are_parsed_per_plan(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    raw = "monthly=price_m, yearly=price_y,lifetime=price_l"
    config = load_config(environ={"LOVETV_STRIPE_PRICES": raw}, instance_path=tmp_path / "i")
    assert config.stripe_prices == {
        "monthly": "price_m",
        "yearly": "price_y",
        "lifetime": "price_l",
    }


def test_readme_documents_every_setting_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", section, flags=re.M))
    lovetv_and_stripe = {n for n in documented if not n.startswith("AWS_")}
    assert lovetv_and_stripe == {s.name for s in SETTINGS}


def test_a_blank_value_is_unset_and_takes_the_tables_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    blank = {
        "LOVETV_PAST_DUE_GRACE_DAYS": "  ",
        "LOVETV_PROMOTION_CODES": "",
        "STRIPE_API_KEY": " ",
    }
    config = load_config(environ=blank, instance_path=tmp_path / "instance")
    assert config.past_due_grace_days == 7 and config.promotion_codes
    assert config.stripe_api_key is None


def test_every_config_field_is_filled_by_exactly_one_setting() -> None:
    """The table is the whole truth: no field of `Config` is read or defaulted elsewhere."""
    filled = [s.field for s in SETTINGS if s.field is not None]
    assert sorted(filled) == sorted(f.name for f in fields(Config) if f.name != "instance_path")


@pytest.mark.parametrize(
    ("base_url", "allow", "refused"),
    [
        ("http://podcasts.example.com", None, True),
        ("http://podcasts.example.com", "1", False),
        ("https://podcasts.example.com", None, False),
        ("http://127.0.0.1:8000", None, False),  # nobody else can reach a loopback address
        ("http://localhost", None, False),
    ],
)
def test_production_refuses_a_plain_http_base_url(
    tmp_path: Path, base_url: str, allow: str | None, refused: bool
) -> None:
    env = {
        "LOVETV_ENV": "production",
        "LOVETV_SECRET_KEY": "x" * 40,
        "LOVETV_BASE_URL": base_url,
        "LOVETV_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    } | ({"LOVETV_ALLOW_HTTP": allow} if allow else {})
    if refused:
        with pytest.raises(ConfigError, match=r"production needs https://.*LOVETV_ALLOW_HTTP=1"):
            load_config(environ=env, instance_path=tmp_path)
    else:
        assert load_config(environ=env, instance_path=tmp_path).base_url == base_url
    development = env | {"LOVETV_ENV": "development"}
    assert load_config(environ=development, instance_path=tmp_path).base_url == base_url
