"""The show's settings as the producer reads them back: every detail `show set` sets."""

from __future__ import annotations

from typing import Any

from publisher.catalog.show import SHOW_FIELDS, get_show
from publisher.services import Services

# What `show set` changes besides SHOW_FIELDS: the artwork and the two policy texts.
SHOW_EXTRAS = ("image_key", "terms", "refund_policy")


def show_settings(services: Services) -> dict[str, Any]:
    """The show's settings, as `lovetv show get --json` prints them (title, author, owner_email,
    category and the rest that scripts read first; docs/cli.md describes them)."""
    with services.db.session() as session:
        show = get_show(session)
        settings = {name: getattr(show, name) for name in (*SHOW_FIELDS, *SHOW_EXTRAS)}
        return {
            **settings,
            "podcast_guid": show.podcast_guid,
            "updated_at": show.updated_at.isoformat(),
        }
