"""The objects one process shares: configuration, database and storage, built once.

The web app keeps one `Services` in `app.extensions`; each CLI command builds its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio.storage import Storage, StorageError, open_storage
from publisher.config import Config, ConfigError
from publisher.db import Database


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
