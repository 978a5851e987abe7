"""SIGTERM ends a command the way Ctrl-C does, so the same clean-up runs.

A publish interrupted by Ctrl-C aborts its multipart upload, deletes what it stored and
removes its temporary folder (`KeyboardInterrupt` unwinds through every `finally`). Process
supervisors, `timeout` and `kill` send SIGTERM instead, whose default action ends the
process on the spot and leaves that debris behind; inside `sigterm_as_interrupt` it raises
`KeyboardInterrupt` too. Further SIGTERMs are ignored while the clean-up runs (SIGKILL
still ends the process; `lovetv storage clean` removes what that leaves).

SIGINT interrupts the block whatever the process inherited: a shell starts background jobs
(`make test &`, `nohup`) with SIGINT ignored, and a publish started that way must still
stop cleanly on `kill -INT`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
    raise Terminated(f"received signal {signum}")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into `KeyboardInterrupt` for the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
