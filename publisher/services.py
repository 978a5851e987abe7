"""The objects one process shares: configuration, database and storage, built once.

Each CLI command builds its own `Services`. The web app keeps one `AppServices` (the same,
plus what its views share for the app's life) in `app.extensions`, and every module reads
it with `services_of(app)`. It lives here, not in the app factory, so that the views the
factory registers do not import the factory back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from audio.storage import Storage, StorageError, open_storage
from publisher.config import Config, ConfigError
from publisher.db import Database

if TYPE_CHECKING:
    from flask import Flask
    from prometheus_client import CollectorRegistry

    from auth.stripe_api import StripeGateway


@dataclass
class Services:
    config: Config
    db: Database
    storage: Storage

    @classmethod
    def from_config(cls, config: Config) -> Services:
        try:
            storage = open_storage(config.storage_url)
        except StorageError as exc:
            raise ConfigError(f"LOVETV_STORAGE_URL: {exc}") from exc
        return cls(config=config, db=Database(config.database_url), storage=storage)

    def require_ready(self) -> None:
        """Refuse to start, in one line, on an old schema or with a key other than the one
        the database's feed URLs were made with."""
        from publisher.key_fingerprint import require_same_key

        self.db.require_current_schema()
        require_same_key(self.db, self.config.secret_key)


@dataclass
class AppServices(Services):
    """One web app's services: its `Services` and what its modules keep between requests.

    Each field is set by the module named beside it when the app is built (or on first use);
    the CLI never sees them.
    """

    # publisher.web.security: the Host names this app answers to.
    trusted_hosts: frozenset[str] = frozenset()
    # publisher.web.responses: one Stripe client, made on first use (it keeps its connections).
    stripe: StripeGateway | None = None
    # publisher.web.error_pages and publisher.web.site: the show's title and artwork as last
    # read, so that a page about a database outage does not wait for the database.
    show_title: str | None = None
    show_cover: str | None = None
    # publisher.metrics.web: the registry holding the outbox's gauges.
    outbox_registry: CollectorRegistry | None = None


def services_of(app: Flask) -> AppServices:
    """The configuration, database, storage and shared state this app was built with."""
    services: AppServices = app.extensions["lovetv"]
    return services
