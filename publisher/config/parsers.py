"""The parsers of the settings table: one raw environment string in, one checked value out.

Every parser takes the variable's name and its raw value (`None` when unset and without a
default) so that its `ConfigError` names the variable the operator has to fix.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from auth.plans import RECURRING_PLANS
from publisher.config.plans import PRICE_NAMES
from publisher.imports.destinations import Destinations
from publisher.jobs.schedule import parse_jobs


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


# The one rule for LOVETV_SECRET_KEY: feed tokens are HMACs of it, so it needs at least as
# much entropy as a token (192 bits: 32 characters of token_urlsafe's alphabet).
MIN_SECRET_LENGTH = 32


def text(name: str, raw: str | None) -> str | None:
    """The value as given (already stripped); unset stays `None`."""
    return raw


def database_url(name: str, raw: str | None) -> str:
    """SQLite or PostgreSQL; a relative SQLite path is made absolute once, here."""
    url = _absolute_sqlite(raw or "")
    _check_scheme(name, url, ("sqlite", "postgresql", "postgresql+psycopg"))
    return url


def storage_url(name: str, raw: str | None) -> str:
    """A folder (`file://`, made absolute) or an S3 bucket with an optional prefix."""
    url = _absolute_file_url(raw or "")
    _check_scheme(name, url, ("file", "s3"))
    if url.startswith("s3://") and not urlsplit(url).netloc:
        raise ConfigError(f"{name}: s3:// needs a bucket name, e.g. s3://my-bucket/audio")
    return url


def base_url(name: str, raw: str | None) -> str:
    """The public base URL without its trailing slash, so paths join onto it plainly."""
    url = (raw or "").rstrip("/")
    _check_scheme(name, url, ("http", "https"))
    return url


def environment(name: str, raw: str | None) -> str | None:
    """`development` or `production`; unset is decided later from the database and base URL."""
    if raw is not None and raw not in ("development", "production"):
        raise ConfigError(f"{name} must be development or production, not {raw!r}")
    return raw


def secret(name: str, raw: str | None) -> str | None:
    """A given secret must be long enough; an unset one is generated (dev) or refused later."""
    if raw is not None and len(raw) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{name} is too short ({len(raw)} characters): "
            f"use at least {MIN_SECRET_LENGTH} random characters"
        )
    return raw


def api_base(name: str, raw: str | None) -> str | None:
    """A base URL without its trailing slash, or `None` for Stripe's own."""
    return (raw or "").rstrip("/") or None


def prices(name: str, raw: str | None) -> dict[str, str]:
    """`monthly=price_…,yearly=price_…`: one Stripe Price per plan or gift."""
    return parse_prices(raw)


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


def trial_days(name: str, raw: str | None) -> dict[str, int]:
    """`monthly=7,yearly=14`: whole days, for the recurring plans only."""
    if not raw:
        return {}
    days: dict[str, int] = {}
    for part in raw.split(","):
        plan, sep, value = part.strip().partition("=")
        if not sep or plan not in RECURRING_PLANS or not value.strip().isdigit():
            raise ConfigError(
                f"{name}: bad entry {part.strip()!r} (expected e.g. "
                "monthly=7,yearly=14: whole days, for monthly and yearly only)"
            )
        days[plan] = int(value)
    return days


def smtp_url(name: str, raw: str | None) -> str | None:
    """`smtp://` or `smtps://` with a host; the port defaults to 587 or 465 when sending."""
    if raw is None:
        return None
    _check_scheme(name, raw, ("smtp", "smtps"))
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigError(f"{name}: bad port in {parts.scheme}://{parts.hostname}") from None
    if not parts.hostname:
        raise ConfigError(f"{name} needs a host, e.g. smtp://user:pass@mail.example.com:587")
    return raw


def count(name: str, raw: str | None) -> int:
    """A whole number of at least 0 (days, proxy hops)."""
    try:
        value = int(raw or "")
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} cannot be negative")
    return value


def threshold(name: str, raw: str | None) -> int:
    """At least 1: a threshold of 0 would flag every member who listens at all."""
    value = count(name, raw)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1")
    return value


def switch(name: str, raw: str | None) -> bool:
    """`0` or `1`; unset without a default is off."""
    if raw is None:
        return False
    if raw not in ("0", "1"):
        raise ConfigError(f"{name} must be 0 or 1, not {raw!r}")
    return raw == "1"


def jobs(name: str, raw: str | None) -> dict[str, timedelta | None]:
    """`name=6h` or `name=off`, comma-separated; unset: every job at its default period."""
    try:
        return parse_jobs(raw or "")
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def destinations(name: str, raw: str | None) -> Destinations:
    """Private hosts or networks an import may fetch from; unset: public addresses only."""
    try:
        return Destinations.parse(raw or "")
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def loopback(base_url: str) -> bool:
    """Whether the base URL names this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http(base_url: str) -> bool:
    """An http:// base URL that others could reach (a loopback one cannot be)."""
    return urlsplit(base_url).scheme == "http" and not loopback(base_url)


def _check_scheme(name: str, url: str, allowed: tuple[str, ...]) -> None:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in allowed:
        shown = ", ".join(f"{a}://" for a in allowed)
        raise ConfigError(f"{name}: unsupported URL {url!r} (use {shown})")


def _absolute_sqlite(url: str) -> str:
    """Relative SQLite paths are taken from the working directory, made absolute once here."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        return prefix + str(Path(url[len(prefix) :]).absolute())
    return url


def _absolute_file_url(url: str) -> str:
    if url.startswith("file://") and not url.startswith("file:///"):
        return "file://" + str(Path(url[len("file://") :]).absolute())
    return url
