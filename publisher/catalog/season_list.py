"""`lovetv season list`: every season with its episodes counted by state, in one query.

Producers script this command, so it avoids what it does not need: it counts in SQL with
SQLAlchemy Core over the two tables' names instead of loading every episode through the
ORM (whose import and model classes cost more than the whole query).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, case, column, func, outerjoin, select, table

from publisher.db import Database

_SEASONS = table(
    "seasons",
    column("id"),
    column("slug"),
    column("title"),
    column("number"),
    column("description"),
    column("image_key"),
)
# Typed as the models type them, so a time compares the same way it was stored.
_EPISODES = table(
    "episodes",
    column("season_id"),
    column("publish_at", DateTime(timezone=True)),
    column("unpublished_at", DateTime(timezone=True)),
)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def list_seasons(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Each season (by number) with its published, scheduled and unpublished counts."""
    s, e = _SEASONS.c, _EPISODES.c
    live = e.unpublished_at.is_(None)
    query = (
        select(
            s.slug,
            s.title,
            s.number,
            s.description,
            s.image_key,
            _count(live & (e.publish_at <= now)).label("published"),
            _count(live & (e.publish_at > now)).label("scheduled"),
            _count(e.unpublished_at.is_not(None)).label("unpublished"),
        )
        .select_from(outerjoin(_SEASONS, _EPISODES, e.season_id == s.id))
        .group_by(s.id, s.slug, s.title, s.number, s.description, s.image_key)
        .order_by(s.number, s.id)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    counted = ("published", "scheduled", "unpublished")
    return [
        {**row, **{n: int(row[n]) for n in counted}, "episodes": int(row["published"])}
        for row in rows
    ]
