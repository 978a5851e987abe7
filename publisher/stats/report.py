"""What `lovetv stats` and `lovetv member show` read back: IAB downloads, grouped.

Only requests `ingest` marked as downloads are counted here; grouping by day happens in
Python so SQLite and PostgreSQL give the same UTC days.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.catalog.seasons import get_season
from publisher.errors import UserError
from publisher.models import Episode, MediaRequest, Season, utcnow
from publisher.services import Services

UNKNOWN_APP = "unknown app"
# Downloads are counted per format: the audio enclosure, the video's MP4, HLS viewings.
FORMATS = ("audio", "video", "hls")


def stats_report(
    services: Services,
    *,
    season: str | None = None,
    episode: str | None = None,
    days: int = 30,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Downloads in the last `days` days by episode, app and day: `lovetv stats --json`'s
    `episodes` (guid, title, downloads) and `apps` (name: downloads), then more."""
    if days < 1:
        raise UserError("--days must be at least 1")
    until = now or utcnow()
    since = until - timedelta(days=days)
    with services.db.session() as session:
        query = (
            select(MediaRequest.at, MediaRequest.app, Episode.guid, MediaRequest.media_format)
            .join(Episode, Episode.id == MediaRequest.episode_id)
            .where(MediaRequest.counted.is_(True))
            .where(MediaRequest.at > since, MediaRequest.at <= until)
        )
        episodes = _episodes(session, season, episode)
        if season is not None or episode is not None:
            query = query.where(Episode.guid.in_(list(episodes)))
        rows = session.execute(query).all()
    by_episode = Counter(guid for _, _, guid, _ in rows)
    by_format = Counter((guid, fmt) for _, _, guid, fmt in rows)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "downloads": len(rows),
        "episodes": [
            {
                **info,
                "downloads": by_episode.get(guid, 0),
                "formats": {f: by_format.get((guid, f), 0) for f in FORMATS},
            }
            for guid, info in episodes.items()
        ],
        "formats": {f: sum(1 for *_, fmt in rows if fmt == f) for f in FORMATS},
        "apps": dict(Counter(app or UNKNOWN_APP for _, app, _, _ in rows).most_common()),
        "days": dict(sorted(Counter(at.date().isoformat() for at, *_ in rows).items())),
    }


def _episodes(session: Session, season: str | None, guid: str | None) -> dict[str, dict]:
    """The episodes the report covers, in season and publish order."""
    query = select(Episode, Season.slug).join(Season)
    if season is not None:
        query = query.where(Episode.season_id == get_season(session, season).id)
    if guid is not None:
        query = query.where(Episode.guid == guid.strip())
    found = session.execute(
        query.order_by(Season.number, Season.id, Episode.publish_at, Episode.id)
    ).all()
    if guid is not None and not found:
        raise UserError(f"no episode with GUID {guid!r} (lovetv episode list shows them)")
    return {
        e.guid: {"guid": e.guid, "title": e.title, "season": slug, "number": e.number}
        for e, slug in found
    }


def last_requests(session: Session, member_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """A member's newest media requests: when, which episode, which app, counted or not."""
    rows = session.execute(
        select(MediaRequest, Episode.guid, Episode.title)
        .join(Episode, Episode.id == MediaRequest.episode_id)
        .where(MediaRequest.member_id == member_id)
        .order_by(MediaRequest.at.desc(), MediaRequest.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "at": r.at.isoformat(),
            "episode": guid,
            "title": title,
            "app": r.app or UNKNOWN_APP,
            "method": r.method,
            "bytes": r.bytes_requested,
            "download": r.counted,
            "bot": r.bot,
        }
        for r, guid, title in rows
    ]
