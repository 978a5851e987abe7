"""The show: its details as the producer sets them (`lovetv show set`) and reads them.

Every change that a feed shows calls `publisher.listening.invalidation` in the same
transaction, so no worker serves a stale feed after the command returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from publisher.catalog.field_limits import check_text
from publisher.catalog.refusals import read_artwork_refusing
from publisher.catalog.uploads import Uploads, artwork_key
from publisher.errors import UserError
from publisher.listening.invalidation import show_changed
from publisher.models import Show, utcnow
from publisher.services import Services

SHOW_ID = 1
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
SHOW_FIELDS = (
    "title",
    "author",
    "owner_email",
    "description",
    "language",
    "category",
    "website",
    "explicit",
    "regular_prices",
    "name_in_feed_title",
)


def set_show(
    services: Services,
    changes: Mapping[str, Any],
    image: Path | None = None,
    policies: Mapping[str, str | None] | None = None,
) -> Show:
    """Create the show or change the given fields (and artwork); the rest stays as it was.

    `policies` carries the terms and refund-policy Markdown (`terms`, `refund_policy`).
    """
    from publisher.catalog.show_policies import set_policies

    changes = _check_show_changes(changes)
    artwork = read_artwork_refusing(image)
    with Uploads(services.storage) as uploads, services.db.session() as session:
        show = session.get(Show, SHOW_ID)
        if show is None:
            if not (changes.get("title") or "").strip():
                raise UserError("the show has no title yet: pass --title to create it")
            show = Show(id=SHOW_ID, title=changes["title"])
            session.add(show)
        for name in SHOW_FIELDS:
            if changes.get(name) is not None:
                setattr(show, name, changes[name])
        if artwork is not None:
            key = artwork_key(artwork.data, artwork.extension)
            show.image_key = uploads.put_shared(key, artwork.data, artwork.mime)
        if policies:
            session.flush()
            set_policies(session, **policies)
        show.updated_at = utcnow()
        show_changed(session)
    return show


def _check_show_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, checked, with the owner address and category as they are stored."""
    from publisher.catalog.apple_categories import apple_category

    unknown = set(changes) - set(SHOW_FIELDS)
    if unknown:
        raise UserError(f"unknown show fields: {', '.join(sorted(unknown))}")
    if changes.get("title") is not None and not changes["title"].strip():
        raise UserError("the show title cannot be empty")
    changes = dict(changes)
    if changes.get("regular_prices") is not None:
        changes["regular_prices"] = _regular_prices(changes["regular_prices"])
    for name in SHOW_FIELDS:
        if isinstance(changes.get(name), str):
            check_text(changes[name], Show, name, f"the show's {name}", _option(name))
    checked = dict(changes)
    if changes.get("owner_email"):
        checked["owner_email"] = _owner_email(changes["owner_email"])
    if changes.get("category") is not None:
        checked["category"] = apple_category(changes["category"])
    website = changes.get("website")
    if website and not website.startswith(("http://", "https://")):
        raise UserError(f"{website!r} is not a web address: start it with https://")
    language = changes.get("language")
    if language is not None and not _LANGUAGE.match(language):
        raise UserError(f"{language!r} is not a language code such as en or en-US")
    return checked


def _owner_email(email: str) -> str:
    """The address podcast directories write to (itunes:owner), as email-validator reads it.

    Only its form is checked (no DNS lookup: a producer may set it up before the domain has
    mail); the IETF's `.test` and `.example` domains are accepted for demos and tests.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(email.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise UserError(
            f"{email.strip()!r} is not an email address (--owner-email): {exc}"
        ) from None
    return valid.normalized


def _regular_prices(raw: str) -> str:
    """`monthly=199,yearly=499,lifetime=799` checked and stored the same way every time."""
    from publisher.members.plans import parse_regular_prices, regular_prices_text

    try:
        return regular_prices_text(parse_regular_prices(raw))
    except ValueError as exc:
        raise UserError(f"--regular-price: {exc}") from None


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def get_show(session: Session) -> Show:
    """The show, or an error that says how to create it."""
    show = session.get(Show, SHOW_ID)
    if show is None:
        raise UserError('there is no show yet: run lovetv show set --title "…" --author "…"')
    return show
