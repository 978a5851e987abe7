"""What the CLI's JSON says of an episode's video (`episode publish/edit/list --json`)."""

from __future__ import annotations

from typing import Any


def video_summary(video: dict[str, Any] | None, size: int | None) -> dict[str, Any] | None:
    """What `episode publish --json` and `episode list --json` say of an episode's video."""
    if not video:
        return None
    return {
        "height": video["height"],
        "width": video["width"],
        "duration": video["duration"],
        "renditions": [r["height"] for r in video["renditions"]],
        "codec": video["codec"],
        "size": size,
    }
