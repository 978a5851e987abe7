"""`LOVETV_JOBS`: which periodic jobs run and how often.

A comma-separated list of `name=period` (`30m`, `6h`, `1d`) or `name=off`; jobs not named
keep their default period. Read once at start-up: a typo stops the server with one line
rather than silently never running a job.
"""

from __future__ import annotations

import re
from datetime import timedelta

_PERIOD = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
OFF = None
# Every job and its default period (the jobs themselves: `publisher.jobs.catalog`).
DEFAULT_PERIODS = {
    "stripe-sync": timedelta(hours=6),
    "storage-clean": timedelta(days=1),
    "privacy-scrub": timedelta(hours=1),
    "sign-in-cleanup": timedelta(hours=1),
}


def parse_jobs(
    raw: str, defaults: dict[str, timedelta] = DEFAULT_PERIODS
) -> dict[str, timedelta | None]:
    """Each job's period (None: off), or ValueError naming the bad entry."""
    periods: dict[str, timedelta | None] = dict(defaults)
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        name, _, value = entry.partition("=")
        name, value = name.strip(), value.strip()
        if name not in defaults:
            raise ValueError(f"unknown job {name!r} (jobs: {', '.join(defaults)})")
        if value == "off":
            periods[name] = OFF
            continue
        found = _PERIOD.match(value)
        if found is None or int(found.group(1)) == 0:
            raise ValueError(f"{entry!r}: give a period such as 30m, 6h or 1d, or off")
        periods[name] = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    return periods
