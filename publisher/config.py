"""Configuration, declared once as a table of settings.

Everything else derives from `SETTINGS`: loading, defaults, validation and the README's
configuration table (a test fails when the two drift apart). Nothing reads the environment
at import time; `load_config` is called by the app factory and the CLI.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from auth.plans import PAYING_PLANS, PRICE_NAMES
from publisher.imports.destinations import Destinations
from publisher.jobs.schedule import DEFAULT_PERIODS, parse_jobs

PLANS = PAYING_PLANS  # the plans on sale; PRICE_NAMES adds the gifts' one-time Prices


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


# The one rule for LOVETV_SECRET_KEY: feed tokens are HMACs of it, so it needs at least as
# much entropy as a token (192 bits: 32 characters of token_urlsafe's alphabet).
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Setting:
    """One environment variable the service reads."""

    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "LOVETV_DATABASE_URL",
        "sqlite:///instance/lovetv.db",
        "SQLAlchemy URL: `sqlite:///…` or `postgresql+psycopg://…`",
    ),
    Setting(
        "LOVETV_HOME",
        None,
        "the show's folder, holding its `instance/` (database, secret, media, mail); unset: the "
        "working folder or the nearest folder above it that holds `instance/lovetv.db`",
    ),
    Setting(
        "LOVETV_STORAGE_URL",
        "file://instance/media",
        "where audio and artwork live: `file:///abs/dir` or `s3://bucket/prefix`",
    ),
    Setting(
        "LOVETV_BASE_URL",
        "http://127.0.0.1:5000",
        "public base URL written into feeds and pages",
    ),
    Setting(
        "LOVETV_SECRET_KEY",
        None,
        "server secret (token derivation, sessions), at least 32 characters; "
        "required when not in dev mode",
    ),
    Setting(
        "LOVETV_ENV",
        None,
        "`development` or `production`; defaults to development on SQLite with a loopback "
        "`LOVETV_BASE_URL` (`make run`), production otherwise",
    ),
    Setting("STRIPE_API_KEY", None, "Stripe secret key; unset: billing routes answer 503"),
    Setting(
        "STRIPE_WEBHOOK_SECRET",
        None,
        "signing secret of the webhook endpoint; unset: webhook answers 503",
    ),
    Setting("STRIPE_API_BASE", None, "base URL of the Stripe API (tests point it at a fake)"),
    Setting(
        "LOVETV_STRIPE_PRICES",
        None,
        "`monthly=price_…,yearly=price_…,lifetime=price_…`",
    ),
    Setting(
        "LOVETV_TRIAL_DAYS",
        None,
        "free trial days per plan, e.g. `monthly=7,yearly=14` (first subscription only); "
        "unset: no trials",
    ),
    Setting(
        "LOVETV_PROMOTION_CODES",
        "1",
        "`0` turns off Stripe promotion codes at Checkout (typed there or `?code=` on a join link)",
    ),
    Setting(
        "LOVETV_ALLOW_HTTP",
        None,
        "`1` lets production run with an `http://` base URL (behind a proxy on a private "
        "network); unset: production refuses `http://` except on a loopback host",
    ),
    Setting(
        "LOVETV_DEMO_BILLING",
        None,
        "set by `lovetv serve` in development without `STRIPE_API_KEY`: the address of the "
        "local Stripe stand-in (demo billing); refused in production",
    ),
    Setting(
        "LOVETV_SMTP_URL",
        None,
        "`smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…`; unset: each "
        "email is written as an `.eml` file under `instance/mail/`",
    ),
    Setting(
        "LOVETV_MAIL_FROM",
        None,
        "the From of every email; unset: `no-reply@` the base URL's host",
    ),
    Setting(
        "LOVETV_TRUSTED_PROXIES",
        "0",
        "how many proxy hops of `X-Forwarded-For` to trust for the client address "
        "(0: the socket peer)",
    ),
    Setting(
        "LOVETV_PAST_DUE_GRACE_DAYS",
        "7",
        "days a past-due subscription keeps access while the feed asks for a new card",
    ),
    Setting(
        "LOVETV_SHARING_NETWORKS",
        "10",
        "distinct client networks (IPv4 /24, IPv6 /48) per token per UTC day above which "
        "a member is flagged as sharing their link",
    ),
    Setting(
        "LOVETV_METRICS_TOKEN",
        None,
        "bearer token for `GET /metrics` from non-loopback clients; unset: loopback clients only",
    ),
    Setting(
        "LOVETV_JOBS",
        None,
        "which periodic jobs `lovetv serve` runs and how often: `name=6h` or `name=off`, "
        "comma-separated (see Scheduled jobs); unset: every job at its default period",
    ),
    Setting(
        "LOVETV_SHARING_AUTO_ROTATE",
        "0",
        "`1`: rotate a flagged member's token and email the new links; `0`: only flag",
    ),
    Setting(
        "LOVETV_IMPORT_ALLOW_HOSTS",
        None,
        "host names, addresses or networks of your own (comma-separated, e.g. "
        "`media.internal,10.0.5.0/24`) that `lovetv import feed` may fetch from; unset: "
        "only public internet addresses, on every redirect",
    ),
)

SETTING_NAMES = frozenset(s.name for s in SETTINGS)


@dataclass(frozen=True)
class Config:
    """The validated settings one process runs with."""

    database_url: str
    storage_url: str
    base_url: str
    secret_key: str
    env: str
    instance_path: Path
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_prices: Mapping[str, str] = field(default_factory=dict)
    demo_billing: str | None = None
    trial_days: Mapping[str, int] = field(default_factory=dict)
    promotion_codes: bool = True
    past_due_grace_days: int = 7
    smtp_url: str | None = None
    mail_from: str = "no-reply@localhost"
    trusted_proxies: int = 0
    sharing_networks: int = 10
    sharing_auto_rotate: bool = False
    jobs: dict[str, timedelta | None] = field(default_factory=lambda: dict(DEFAULT_PERIODS))
    metrics_token: str | None = None
    import_allow_hosts: Destinations = field(default_factory=Destinations)

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

    def get(name: str) -> str | None:
        value = env.get(name)
        if value is None or value == "":
            return next(s.default for s in SETTINGS if s.name == name)
        return value.strip()

    database_url = _absolute_sqlite(get("LOVETV_DATABASE_URL") or "", instance)
    storage_url = _absolute_file_url(get("LOVETV_STORAGE_URL") or "", instance)
    base_url = (get("LOVETV_BASE_URL") or "").rstrip("/")
    _check_scheme(
        "LOVETV_DATABASE_URL", database_url, ("sqlite", "postgresql", "postgresql+psycopg")
    )
    _check_scheme("LOVETV_STORAGE_URL", storage_url, ("file", "s3"))
    _check_scheme("LOVETV_BASE_URL", base_url, ("http", "https"))
    if storage_url.startswith("s3://") and not urlsplit(storage_url).netloc:
        raise ConfigError(
            "LOVETV_STORAGE_URL: s3:// needs a bucket name, e.g. s3://my-bucket/audio"
        )

    # Development only where nobody else can reach the service: SQLite and a loopback base
    # URL (`make run`). A public base URL on SQLite is a one-machine deploy, not a laptop:
    # it must not get demo billing, a generated secret or logged sign-in links by default.
    env_name = get("LOVETV_ENV") or (
        "development" if database_url.startswith("sqlite") and _loopback(base_url) else "production"
    )
    if env_name not in ("development", "production"):
        raise ConfigError(f"LOVETV_ENV must be development or production, not {env_name!r}")
    secret = get("LOVETV_SECRET_KEY")
    if not secret:
        if env_name != "development":
            raise ConfigError(
                "LOVETV_SECRET_KEY is required in production (generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        secret = _dev_secret(instance)
    elif len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"LOVETV_SECRET_KEY is too short ({len(secret)} characters): "
            f"use at least {MIN_SECRET_LENGTH} random characters"
        )

    allow_http = _parse_switch("LOVETV_ALLOW_HTTP", get("LOVETV_ALLOW_HTTP") or "0")
    if env_name == "production" and not allow_http and _plain_http(base_url):
        raise ConfigError(
            f"LOVETV_BASE_URL is {base_url}: production needs https:// (members' cookies and "
            "feed links travel over it); set LOVETV_ALLOW_HTTP=1 only if a proxy adds TLS"
        )
    demo_billing = get("LOVETV_DEMO_BILLING")
    if demo_billing and env_name != "development":
        raise ConfigError(
            "LOVETV_DEMO_BILLING is for development only: unset it and set STRIPE_API_KEY "
            "(and the other STRIPE_ variables) to take real payments"
        )

    return Config(
        database_url=database_url,
        storage_url=storage_url,
        base_url=base_url,
        secret_key=secret,
        env=env_name,
        instance_path=instance,
        stripe_api_key=get("STRIPE_API_KEY"),
        stripe_webhook_secret=get("STRIPE_WEBHOOK_SECRET"),
        stripe_api_base=(get("STRIPE_API_BASE") or "").rstrip("/") or None,
        stripe_prices=parse_prices(get("LOVETV_STRIPE_PRICES")),
        demo_billing=demo_billing,
        trial_days=_parse_trial_days(get("LOVETV_TRIAL_DAYS")),
        promotion_codes=_parse_switch(
            "LOVETV_PROMOTION_CODES", get("LOVETV_PROMOTION_CODES") or "1"
        ),
        past_due_grace_days=_parse_days(get("LOVETV_PAST_DUE_GRACE_DAYS") or "7"),
        smtp_url=_check_smtp_url(get("LOVETV_SMTP_URL")),
        mail_from=get("LOVETV_MAIL_FROM")
        or f"no-reply@{urlsplit(base_url).hostname or 'localhost'}",
        trusted_proxies=_parse_count(
            "LOVETV_TRUSTED_PROXIES", get("LOVETV_TRUSTED_PROXIES") or "0"
        ),
        sharing_networks=_parse_threshold(get("LOVETV_SHARING_NETWORKS") or "10"),
        sharing_auto_rotate=_parse_switch(
            "LOVETV_SHARING_AUTO_ROTATE", get("LOVETV_SHARING_AUTO_ROTATE") or "0"
        ),
        jobs=_parse_jobs(get("LOVETV_JOBS") or ""),
        metrics_token=get("LOVETV_METRICS_TOKEN"),
        import_allow_hosts=_parse_destinations(get("LOVETV_IMPORT_ALLOW_HOSTS") or ""),
    )


def _parse_destinations(raw: str) -> Destinations:
    try:
        return Destinations.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"LOVETV_IMPORT_ALLOW_HOSTS: {exc}") from None


def _parse_jobs(raw: str) -> dict[str, timedelta | None]:
    try:
        return parse_jobs(raw)
    except ValueError as exc:
        raise ConfigError(f"LOVETV_JOBS: {exc}") from None


def _loopback(base_url: str) -> bool:
    """Whether the base URL names this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _plain_http(base_url: str) -> bool:
    """An http:// base URL that others could reach (a loopback one cannot be)."""
    return urlsplit(base_url).scheme == "http" and not _loopback(base_url)


def _check_scheme(name: str, url: str, allowed: tuple[str, ...]) -> None:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in allowed:
        shown = ", ".join(f"{a}://" for a in allowed)
        raise ConfigError(f"{name}: unsupported URL {url!r} (use {shown})")


def _absolute_sqlite(url: str, instance: Path) -> str:
    """Relative SQLite paths are taken from the working directory, made absolute once here."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        return prefix + str(Path(url[len(prefix) :]).absolute())
    return url


def _absolute_file_url(url: str, instance: Path) -> str:
    if url.startswith("file://") and not url.startswith("file:///"):
        return "file://" + str(Path(url[len("file://") :]).absolute())
    return url


def parse_prices(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    prices: dict[str, str] = {}
    for part in raw.split(","):
        plan, sep, price = part.strip().partition("=")
        if not sep or plan not in PRICE_NAMES or not price.strip():
            raise ConfigError(
                f"LOVETV_STRIPE_PRICES: bad entry {part.strip()!r} (expected monthly=price_…,"
                "yearly=price_…,lifetime=price_…, and for gifts months-3=, gift-yearly=, "
                "gift-lifetime=)"
            )
        prices[plan] = price.strip()
    return prices


def _parse_trial_days(raw: str | None) -> dict[str, int]:
    """`monthly=7,yearly=14`: whole days, for the recurring plans only."""
    if not raw:
        return {}
    days: dict[str, int] = {}
    for part in raw.split(","):
        plan, sep, value = part.strip().partition("=")
        if not sep or plan not in ("monthly", "yearly") or not value.strip().isdigit():
            raise ConfigError(
                f"LOVETV_TRIAL_DAYS: bad entry {part.strip()!r} (expected e.g. "
                "monthly=7,yearly=14: whole days, for monthly and yearly only)"
            )
        days[plan] = int(value)
    return days


def _check_smtp_url(url: str | None) -> str | None:
    """`smtp://` or `smtps://` with a host; the port defaults to 587 or 465 when sending."""
    if url is None:
        return None
    _check_scheme("LOVETV_SMTP_URL", url, ("smtp", "smtps"))
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigError(
            f"LOVETV_SMTP_URL: bad port in {parts.scheme}://{parts.hostname}"
        ) from None
    if not parts.hostname:
        raise ConfigError(
            "LOVETV_SMTP_URL needs a host, e.g. smtp://user:pass@mail.example.com:587"
        )
    return url


def _parse_count(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} cannot be negative")
    return value


def _parse_threshold(raw: str) -> int:
    """At least 1: a threshold of 0 would flag every member who listens at all."""
    value = _parse_count("LOVETV_SHARING_NETWORKS", raw)
    if value < 1:
        raise ConfigError("LOVETV_SHARING_NETWORKS must be at least 1")
    return value


def _parse_switch(name: str, raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ConfigError(f"{name} must be 0 or 1, not {raw!r}")
    return raw == "1"


def _parse_days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise ConfigError(
            f"LOVETV_PAST_DUE_GRACE_DAYS must be a whole number, not {raw!r}"
        ) from None
    if days < 0:
        raise ConfigError("LOVETV_PAST_DUE_GRACE_DAYS cannot be negative")
    return days


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
