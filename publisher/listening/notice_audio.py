"""Files the service ships itself: the notice chime and the fallback cover art.

Notice items need an enclosure for apps to show them at all, so every notice carries the
same second and a half of audio (`static/notice.mp3`, made once with LAME). The cover is
Apple's minimum 1400x1400 square, used until the producer sets show artwork.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_STATIC = resources.files("publisher") / "static"
NOTICE_AUDIO = Path(str(_STATIC / "notice.mp3"))
DEFAULT_COVER = Path(str(_STATIC / "cover.png"))
NOTICE_AUDIO_LENGTH = NOTICE_AUDIO.stat().st_size
