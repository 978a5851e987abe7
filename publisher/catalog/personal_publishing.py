"""`lovetv personal set|list|remove`: the producer's own recordings for members.

The audio is published like an episode's: probed (refused if it is not audio we can tag),
tagged by mutagen with the show's details, stored under a fresh key and recorded, all or
nothing (`Uploads` deletes what it stored if anything after fails). Each `set` makes a new
recording with a new GUID, so apps see a replaced welcome as a new item.
How feeds use them: `publisher.listening.personal`.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from audio.probe import probe_audio
from audio.tagging import EpisodeTags, write_tagged_copy
from publisher.catalog.field_limits import check_number, check_text
from publisher.catalog.refusals import refusals
from publisher.catalog.show import get_show
from publisher.catalog.uploads import Uploads
from publisher.errors import UserError
from publisher.listening.invalidation import show_changed
from publisher.listening.personal import ANNIVERSARY, DEFAULT_DAYS, KINDS, MEMBER_KINDS, WELCOME
from publisher.models import PersonalEpisode, new_guid, utcnow
from publisher.services import Services

_AFTER = re.compile(r"^\s*(\d+)\s*d\s*$")
DEFAULT_TITLES = {WELCOME: "Welcome", ANNIVERSARY: "Happy anniversary"}
DEFAULT_AFTER_DAYS = 365


def parse_after(text: str) -> int:
    """`365d`: the anniversary's period in days."""
    found = _AFTER.match(text)
    if found is None or int(found.group(1)) < 1:
        raise UserError(f"--after {text!r} is not a number of days such as 365d")
    return int(found.group(1))


def _checked_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UserError(f"unknown personal episode {kind!r} (use {', '.join(KINDS)})")
    return kind


def _settings(
    kind: str, title: str | None, days: int | None, after: str | None
) -> tuple[str, int | None, int | None]:
    """(title, days, after_days) as stored; refuse options the kind does not take."""
    if kind not in MEMBER_KINDS:
        if days is not None or after is not None:
            raise UserError(f"{kind} replaces a notice's chime: --days and --after do not apply")
        return (title or "").strip(), None, None
    if after is not None and kind != ANNIVERSARY:
        raise UserError("--after is for the anniversary episode")
    check_number(days, "--days", "--days")
    after_days = parse_after(after) if after is not None else None
    if kind == ANNIVERSARY:
        after_days = after_days or DEFAULT_AFTER_DAYS
    title = (title or "").strip() or DEFAULT_TITLES[kind]
    check_text(title, PersonalEpisode, "title", "the title", "--title")
    return title, days or DEFAULT_DAYS, after_days


def set_personal(
    services: Services,
    kind: str,
    audio: Path,
    title: str | None = None,
    days: int | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """Tag, store and record the producer's recording of `kind`, replacing any earlier one."""
    kind = _checked_kind(kind)
    title, days, after_days = _settings(kind, title, days, after)
    with refusals():
        info = probe_audio(audio)
    with services.db.session() as session:
        show = get_show(session)
        tags = EpisodeTags(
            title=title or kind, artist=show.author or show.title, album=show.title,
            released=utcnow(),
        )  # fmt: skip
    guid = new_guid()
    with tempfile.TemporaryDirectory(prefix="lovetv-publish-") as workdir:
        tagged = Path(workdir) / f"personal.{info.extension}"
        with refusals():
            write_tagged_copy(audio, tagged, info, tags)
            info = probe_audio(tagged)
        with Uploads(services.storage) as uploads, services.db.session() as session:
            key = f"audio/personal/{secrets.token_hex(8)}/{guid}.{info.extension}"
            uploads.put_file(key, tagged, info.mime)
            row = session.get(PersonalEpisode, kind) or PersonalEpisode(kind=kind)
            row.guid, row.title, row.audio_key, row.mime = guid, title, key, info.mime
            row.size, row.duration = tagged.stat().st_size, info.duration
            row.days, row.after_days, row.created_at = days, after_days, utcnow()
            session.add(row)
            get_show(session).updated_at = utcnow()  # every feed's bytes change with it
            show_changed(session)
            return describe(row)


def list_personal(services: Services) -> list[dict[str, Any]]:
    with services.db.session() as session:
        rows = session.scalars(select(PersonalEpisode)).all()
        return [describe(r) for r in sorted(rows, key=lambda r: KINDS.index(r.kind))]


def remove_personal(services: Services, kind: str) -> None:
    """Take the recording out of every feed (its stored audio stays, as an episode's does)."""
    kind = _checked_kind(kind)
    with services.db.session() as session:
        row = session.get(PersonalEpisode, kind)
        if row is None:
            raise UserError(f"no {kind} episode is set (lovetv personal list shows them)")
        session.delete(row)
        get_show(session).updated_at = utcnow()
        show_changed(session)


def describe(row: PersonalEpisode) -> dict[str, Any]:
    """One recording as `personal list --json` prints it."""
    return {
        "kind": row.kind,
        "guid": row.guid,
        "title": row.title,
        "audio_key": row.audio_key,
        "mime": row.mime,
        "size": row.size,
        "duration": row.duration,
        "days": row.days,
        "after_days": row.after_days,
        "set_at": row.created_at.isoformat(),
    }
