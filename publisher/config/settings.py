"""The settings table: every environment variable the service reads, declared once.

Each row names the variable, its default (written here only), the help the README's
configuration table is checked against, the `Config` field it fills and the parser that
turns the raw string into that field's value. `load_config` is a loop over this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from publisher.config import parsers


@dataclass(frozen=True)
class Setting:
    """One environment variable the service reads, and where its value goes.

    `field` is `None` for a setting read before the table (`LOVETV_HOME` chooses which
    `.env` and `instance/` the others come from)."""

    name: str
    default: str | None
    help: str
    field: str | None = None
    parse: Callable[[str, str | None], Any] = parsers.text


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "LOVETV_DATABASE_URL",
        "sqlite:///instance/lovetv.db",
        "SQLAlchemy URL: `sqlite:///…` or `postgresql+psycopg://…`",
        "database_url",
        parsers.database_url,
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
        "storage_url",
        parsers.storage_url,
    ),
    Setting(
        "LOVETV_BASE_URL",
        "http://127.0.0.1:5000",
        "public base URL written into feeds and pages",
        "base_url",
        parsers.base_url,
    ),
    Setting(
        "LOVETV_SECRET_KEY",
        None,
        "server secret (token derivation, sessions), at least 32 characters; "
        "required when not in dev mode",
        "secret_key",
        parsers.secret,
    ),
    Setting(
        "LOVETV_ENV",
        None,
        "`development` or `production`; defaults to development on SQLite with a loopback "
        "`LOVETV_BASE_URL` (`make run`), production otherwise",
        "env",
        parsers.environment,
    ),
    Setting(
        "STRIPE_API_KEY",
        None,
        "Stripe secret key; unset: billing routes answer 503",
        "stripe_api_key",
    ),
    Setting(
        "STRIPE_WEBHOOK_SECRET",
        None,
        "signing secret of the webhook endpoint; unset: webhook answers 503",
        "stripe_webhook_secret",
    ),
    Setting(
        "STRIPE_API_BASE",
        None,
        "base URL of the Stripe API (tests point it at a fake)",
        "stripe_api_base",
        parsers.api_base,
    ),
    Setting(
        "LOVETV_STRIPE_PRICES",
        None,
        "`monthly=price_…,yearly=price_…,lifetime=price_…`",
        "stripe_prices",
        parsers.prices,
    ),
    Setting(
        "LOVETV_TRIAL_DAYS",
        None,
        "free trial days per plan, e.g. `monthly=7,yearly=14` (first subscription only); "
        "unset: no trials",
        "trial_days",
        parsers.trial_days,
    ),
    Setting(
        "LOVETV_PROMOTION_CODES",
        "1",
        "`0` turns off Stripe promotion codes at Checkout (typed there or `?code=` on a join link)",
        "promotion_codes",
        parsers.switch,
    ),
    Setting(
        "LOVETV_ALLOW_HTTP",
        None,
        "`1` lets production run with an `http://` base URL (behind a proxy on a private "
        "network); unset: production refuses `http://` except on a loopback host",
        "allow_http",
        parsers.switch,
    ),
    Setting(
        "LOVETV_DEMO_BILLING",
        None,
        "set by `lovetv serve` in development without `STRIPE_API_KEY`: the address of the "
        "local Stripe stand-in (demo billing); refused in production",
        "demo_billing",
    ),
    Setting(
        "LOVETV_SMTP_URL",
        None,
        "`smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…`; unset: each "
        "email is written as an `.eml` file under `instance/mail/`",
        "smtp_url",
        parsers.smtp_url,
    ),
    Setting(
        "LOVETV_MAIL_FROM",
        None,
        "the From of every email; unset: `no-reply@` the base URL's host",
        "mail_from",
    ),
    Setting(
        "LOVETV_TRUSTED_PROXIES",
        "0",
        "how many proxy hops of `X-Forwarded-For` to trust for the client address "
        "(0: the socket peer)",
        "trusted_proxies",
        parsers.count,
    ),
    Setting(
        "LOVETV_PAST_DUE_GRACE_DAYS",
        "7",
        "days a past-due subscription keeps access while the feed asks for a new card",
        "past_due_grace_days",
        parsers.count,
    ),
    Setting(
        "LOVETV_SHARING_NETWORKS",
        "10",
        "distinct client networks (IPv4 /24, IPv6 /48) per token per UTC day above which "
        "a member is flagged as sharing their link",
        "sharing_networks",
        parsers.threshold,
    ),
    Setting(
        "LOVETV_METRICS_TOKEN",
        None,
        "bearer token for `GET /metrics` from non-loopback clients; unset: loopback clients only",
        "metrics_token",
    ),
    Setting(
        "LOVETV_JOBS",
        None,
        "which periodic jobs `lovetv serve` runs and how often: `name=6h` or `name=off`, "
        "comma-separated (see Scheduled jobs); unset: every job at its default period",
        "jobs",
        parsers.jobs,
    ),
    Setting(
        "LOVETV_SHARING_AUTO_ROTATE",
        "0",
        "`1`: rotate a flagged member's token and email the new links; `0`: only flag",
        "sharing_auto_rotate",
        parsers.switch,
    ),
    Setting(
        "LOVETV_IMPORT_ALLOW_HOSTS",
        None,
        "host names, addresses or networks of your own (comma-separated, e.g. "
        "`media.internal,10.0.5.0/24`) that `lovetv import feed` may fetch from; unset: "
        "only public internet addresses, on every redirect",
        "import_allow_hosts",
        parsers.destinations,
    ),
)

SETTING_NAMES = frozenset(s.name for s in SETTINGS)
