"""Putting an unpublished episode back in the feeds: the same GUID, audio and number.

Apps know an episode by its GUID, so a listener who kept the episode finds it again where
it was. Without a time the episode is back at once, under its old publish time; with one
it is scheduled through the edit pipeline (`episode_edit`), which also re-tags the stored
audio's release time, and the unpublish is lifted in that edit's transaction, so a failed
edit leaves the episode unpublished.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from publisher.catalog.catalog import find_episode, season_has_episodes
from publisher.catalog.publishing import _summary
from publisher.config import Config
from publisher.listening.invalidation import season_changed
from publisher.models import Episode, Season
from publisher.services import Services


def republish_episode(
    services: Services, guid: str, publish_at: datetime | None = None
) -> dict[str, Any]:
    """Lift the unpublish of episode `guid` (at `publish_at` if given); what `--json` prints.

    The summary's `republished` is False when the episode was not unpublished (nothing
    changed); a time for an episode that is not unpublished is refused by the edit.
    """
    if publish_at is not None:
        from publisher.catalog.episode_edit import EpisodeEdit, edit_episode

        edited = edit_episode(services, guid, EpisodeEdit(publish_at=publish_at, republish=True))
        return {**edited, "republished": True}
    with services.db.session() as session:
        episode = find_episode(session, guid)
        changed = episode.unpublished_at is not None
        if changed:
            reopen(session, services.config, episode)
            session.flush()
        season = session.get_one(Season, episode.season_id)
        return {**_summary(episode, season.slug), "republished": changed}


def reopen(session: Session, config: Config, episode: Episode) -> None:
    """Clear `episode`'s unpublish in the caller's transaction and re-render its season.

    When it is the season's only live episode again, the season's "new season" email is
    queued as a first publish queues it; its dedupe key means nobody gets it twice.
    """
    first = not season_has_episodes(session, episode.season_id)
    episode.unpublished_at = None
    season_changed(session, episode.season_id)
    if first:
        from publisher.members.season_news import announce_season

        season = session.get_one(Season, episode.season_id)
        announce_season(session, config, season, episode.publish_at)
