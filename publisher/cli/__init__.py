"""The `lovetv` command: thin click commands over the same functions the tests call.

Every failure is one line on stderr (`error: …`) and a non-zero exit; `LOVETV_DEBUG=1`
shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from audio.storage import StorageError
from publisher.config import ConfigError, load_config
from publisher.db import DatabaseError
from publisher.errors import UserError
from publisher.services import Services

EXPECTED_ERRORS = (UserError, ConfigError, DatabaseError, StorageError)


class LovetvGroup(click.Group):
    """A click group that turns any failure into one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except EXPECTED_ERRORS as exc:
            _fail(str(exc), exc)
        except Exception as exc:
            _fail(f"unexpected failure: {type(exc).__name__}: {exc}", exc, code=2)


def _fail(message: str, exc: BaseException, code: int = 1) -> None:
    if os.environ.get("LOVETV_DEBUG"):
        raise exc
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    click.echo(f"error: {first}", err=True)
    sys.exit(code)


class CliState:
    """Builds the process's services on first use, so `--help` needs no configuration."""

    def __init__(self) -> None:
        self._services: Services | None = None

    def services(self, *, migrated: bool = True) -> Services:
        if self._services is None:
            self._services = Services.from_config(load_config())
        if migrated:
            self._services.db.require_current_schema()
        return self._services


pass_state = click.make_pass_decorator(CliState, ensure=True)


@click.group(cls=LovetvGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lovetv")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Publish a membership show as private per-member podcast feeds."""
    ctx.ensure_object(CliState)


def _register() -> None:
    from publisher.cli import db, episode, mail, member, season, server, show, stats, stripe

    for module in (db, server, show, season, episode, stripe, member, mail, stats):
        module.register(main)


_register()
