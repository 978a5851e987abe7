"""A progress bar on stderr, for commands that move large files (publish, import)."""

from __future__ import annotations

import sys
import threading
from typing import Any

import click


class ProgressBar:
    """A click progress bar on stderr; boto3 reports from several threads at once."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._lock = threading.Lock()
        self._bar: Any = None

    def begin(self, total: int) -> None:
        self.finish()
        self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
        self._bar.__enter__()

    def advance(self, done: int) -> None:
        """Move on by `done` more bytes."""
        with self._lock:
            if self._bar is not None:
                self._bar.update(done)

    @property
    def started(self) -> bool:
        return self._bar is not None

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
