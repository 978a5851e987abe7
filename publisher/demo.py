"""`lovetv demo`: the demo show and its first season, so a newcomer has something to hear.

Idempotent: running it again finds what it made and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from publisher.models import Season, Show
from publisher.services import Services

DEMO_SHOW = {
    "title": "Love TV",
    "author": "Love TV",
    "owner_email": "hello@lovetv.example",
    "description": (
        "Love Well, Live Well. Conversations and short lessons on closeness, confidence and "
        "the everyday work of loving someone, for members of Love TV."
    ),
    "language": "en",
    "category": "Health & Fitness",
    "website": "https://lovetv.example",
    "explicit": False,
}
DEMO_SEASON = {
    "slug": "season-1",
    "title": "Season 1: Closer",
    "number": 1,
    "description": "Why getting close can feel hard, and small ways to stay open with a partner.",
}


def ensure_demo(services: Services) -> dict[str, Any]:
    """Create what is missing of the demo and return its URLs for the newcomer."""
    with services.db.session() as session:
        show = session.get(Show, 1)
        if show is None:
            session.add(Show(id=1, **DEMO_SHOW))
        season = session.scalar(select(Season).where(Season.slug == DEMO_SEASON["slug"]))
        if season is None:
            session.add(Season(**DEMO_SEASON))
    base = services.config.base_url
    return {"urls": {"health": f"{base}/healthz"}}
