"""Putting an unpublished episode back in the feeds: the same GUID, audio and number.

Apps know an episode by its GUID, so a listener who kept the episode finds it again where
it was. Without a time the episode is back at once, under its old publish time; with one
it is scheduled through the edit pipeline (`episode_edit`), which also re-tags the stored
audio's release time, and the unpublish is lifted in that edit's transaction, so a failed
edit leaves the episode unpublished. Either way it goes live through `episodes.go_live`, as
a first publish does, so the season's first live episode announces the season.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from publisher.catalog.drafts import EpisodeEdit
from publisher.catalog.episode_edit import edit_episode
from publisher.catalog.episodes import EpisodeSummary, find_episode, go_live
from publisher.models import Season
from publisher.services import Services


def republish_episode(
    services: Services, guid: str, publish_at: datetime | None = None
) -> dict[str, Any]:
    """Lift the unpublish of episode `guid` (at `publish_at` if given); what `--json` prints.

    The summary's `republished` is False when the episode was not unpublished (nothing
    changed); a time for an episode that is not unpublished is refused by the edit.
    """
    if publish_at is not None:
        edited = edit_episode(services, guid, EpisodeEdit(publish_at=publish_at, republish=True))
        return {**edited, "republished": True}
    with services.db.session() as session:
        episode = find_episode(session, guid)
        changed = episode.unpublished_at is not None
        if changed:
            go_live(session, services.config, episode)
        season = session.get_one(Season, episode.season_id)
        return {**EpisodeSummary.of(episode, season.slug).as_json(), "republished": changed}
