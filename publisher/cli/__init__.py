"""The `lovetv` command: thin click commands over the same functions the tests call.

Every failure is one line on stderr (`error: …`) and a non-zero exit; `LOVETV_DEBUG=1`
shows the traceback instead. A usage error (a missing argument, an unknown option, a file
that is not there) is one such line too, naming the `--help` to read, with click's exit 2.

Start-up is cheap on purpose: producers script this command (a season of episodes, a
member export), so nothing is imported before a command runs but click. Each command
group's module is imported when that command is chosen (`COMMANDS` below, one line each,
with the help line `lovetv --help` shows), and each module imports its heavy libraries
(Alembic, boto3, stripe, feedgen, Flask) inside the functions that need them.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathlib import Path

    from publisher.services import Services

# On exit Python runs its garbage collector over every object once more before freeing
# them: with SQLAlchemy and boto3 loaded that pass took 0.2 s, longer than many commands.
# Freezing the heap after the other exit handlers skips it (the OS reclaims the memory);
# registered first, so it runs last, after `weakref.finalize` callbacks and log flushing.
atexit.register(gc.freeze)

# name: (module, attribute, the help line of `lovetv --help`). A test checks each line
# against the command's own docstring, so the two cannot drift apart.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "db": ("publisher.cli.db", "db", "Manage the database schema."),
    "serve": (
        "publisher.cli.server",
        "serve",
        "Serve the feeds, media and billing routes with gunicorn.",
    ),
    "demo": (
        "publisher.cli.server",
        "demo",
        "Add the demo show, season, episodes and member; print their URLs.",
    ),
    "show": ("publisher.cli.show", "show", "Set and read the show every season belongs to."),
    "season": ("publisher.cli.season", "season", "Add, edit and list seasons."),
    "episode": (
        "publisher.cli.episode",
        "episode",
        "Publish, edit, list, unpublish and republish episodes.",
    ),
    "stripe": ("publisher.cli.stripe", "stripe_group", "Memberships sold through Stripe."),
    "member": (
        "publisher.cli.member",
        "member",
        "Add members by hand and manage their private feed links.",
    ),
    "mail": ("publisher.cli.mail", "mail", "Deliver and inspect transactional email (the outbox)."),
    "stats": (
        "publisher.cli.stats",
        "stats",
        "Downloads by the IAB rules, by episode, app or day.",
    ),
    "storage": ("publisher.cli.storage", "storage", "Look after the audio store."),
    "gift": ("publisher.cli.gift", "gift", "Gift memberships bought through Stripe."),
    "personal": (
        "publisher.cli.personal",
        "personal",
        "Welcome and anniversary episodes, and the producer's voice on notices.",
    ),
    "jobs": ("publisher.cli.jobs", "jobs", "Periodic jobs run by lovetv serve."),
    "import": (
        "publisher.cli.feed_import",
        "import_group",
        "Move an existing podcast's episodes in from its RSS feed.",
    ),
}


def expected_errors() -> tuple[type[BaseException], ...]:
    """The errors that are the user's or the environment's, shown as one line (exit 1).

    Imported when an error is being reported, not at start-up.
    """
    from audio.storage_errors import StorageError
    from publisher.config import ConfigError
    from publisher.db import DatabaseError
    from publisher.errors import UserError

    return (UserError, ConfigError, DatabaseError, StorageError)


class LovetvGroup(click.Group):
    """A click group that loads its commands on demand and turns failures into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _help = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attribute)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from `COMMANDS`, without importing a single command module."""
        rows = [(name, COMMANDS[name][2]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from exc
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            if isinstance(exc, expected_errors()):
                _fail(str(exc), exc)
            _fail(f"unexpected failure: {type(exc).__name__}: {exc}", exc, code=2)


class OneLineUsageError(click.UsageError):
    """A usage error shown as the README's one line, `error: …`, instead of click's usage
    block; the exit code stays click's 2."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


def _one_line(exc: click.UsageError) -> click.UsageError:
    """`exc` as one line that names the command's `--help`; the bare-group help stays."""
    if isinstance(exc, (OneLineUsageError, click.exceptions.NoArgsIsHelpError)):
        return exc
    lines = exc.format_message().strip().splitlines() or [type(exc).__name__]
    first = lines[0].rstrip(".").replace(". (", " (")
    if first[1:2].islower():  # click's "Missing argument …" reads as the README's errors
        first = first[0].lower() + first[1:]
    names = []
    ctx = exc.ctx
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    command = " ".join(["lovetv", *reversed(names)])
    return OneLineUsageError(f"{first} (see {command} --help)", exc.ctx)


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
        self.show_folder: Path | None = None

    def services(self, *, migrated: bool = True, creates: bool = False) -> Services:
        """The show's services; only a command that `creates` a show (`db upgrade`, `demo`,
        `serve`) may start one where none is found (`publisher.show_folder`)."""
        if self._services is None:
            from pathlib import Path

            from publisher.config import load_config, read_environment
            from publisher.demo import with_running_stand_in
            from publisher.services import Services
            from publisher.show_folder import find_show_folder

            folder = find_show_folder(read_environment(), Path.cwd(), may_create=creates)
            self.show_folder = folder
            config = with_running_stand_in(load_config(home=folder))
            self._services = Services.from_config(config)
        if migrated:
            self._services.require_ready()
        return self._services


pass_state = click.make_pass_decorator(CliState, ensure=True)


@click.group(cls=LovetvGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lovetv")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Publish a membership show as private per-member podcast feeds."""
    ctx.ensure_object(CliState)
