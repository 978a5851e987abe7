"""Which show a `lovetv` command works on: the folder that holds the show's `instance/`.

Producers run the CLI where their audio is, not where `make run` was started. Without
`LOVETV_DATABASE_URL` the show is a folder's `instance/lovetv.db`: the folder named by
`LOVETV_HOME`, else the working folder or the nearest folder above it that holds one (as
git finds its repository). Only the commands that make a show (`db upgrade`, `demo`,
`serve`) may start a new one, in the working folder; every other command that finds none
says in one line where it looked, and creates nothing (no `instance/`, no secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from publisher.config import ConfigError

HOME_VARIABLE = "LOVETV_HOME"
DATABASE_FILE = Path("instance") / "lovetv.db"


class ShowNotFound(ConfigError):
    """No show's database where a command looked; the message says how to point at one."""


def find_show_folder(env: Mapping[str, str], cwd: Path, *, may_create: bool) -> Path | None:
    """The folder whose `instance/` this command uses, or None when `LOVETV_DATABASE_URL`
    names the database itself (the instance then stays in the working folder)."""
    if env.get("LOVETV_DATABASE_URL"):
        return None
    named = env.get(HOME_VARIABLE, "").strip()
    if named:
        folder = Path(named).expanduser().absolute()
        if may_create or (folder / DATABASE_FILE).is_file():
            return folder
        raise ShowNotFound(
            f"no show at {folder / DATABASE_FILE} ({HOME_VARIABLE}): run `lovetv demo` or "
            f"`lovetv db upgrade` there to start one, or point {HOME_VARIABLE} at the show's folder"
        )
    for folder in (cwd, *cwd.parents):
        if (folder / DATABASE_FILE).is_file():
            return folder
    if may_create:
        return cwd
    raise ShowNotFound(
        f"no show found: {cwd / DATABASE_FILE} does not exist, here or in a folder above; run "
        f"lovetv from the show's folder, or set {HOME_VARIABLE}=/path/to/show "
        "(or LOVETV_DATABASE_URL)"
    )
