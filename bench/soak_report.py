"""The soak's figures: errors by route outside and inside fault windows, latency, memory,
and webhooks applied exactly once. Returns 0 when every goal is met."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any


def _in_window(started: float, windows: list[tuple[str, float, float]]) -> bool:
    return any(begin <= started <= end for _, begin, end in windows)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(
    outcomes: list[Any],
    windows: list[tuple[str, float, float]],
    peak_rate: float,
    memory_start: dict[int, int],
    memory_end: dict[int, int],
    hooks: Any,
    applied: list[str],
    log: list[str],
) -> int:
    duration = max((o.started for o in outcomes), default=0.0)
    rate = len(outcomes) / max(duration, 1)
    print(
        f"soak: {len(outcomes)} requests in {duration:.0f}s at {rate:.0f}/s "
        f"(80% of a measured peak of {peak_rate:.0f}/s)"
    )
    for line in log:
        print(f"  {line}")
    outside = [o for o in outcomes if not _in_window(o.started, windows)]
    inside = [o for o in outcomes if _in_window(o.started, windows)]
    by_route: dict[str, list[Any]] = defaultdict(list)
    for outcome in outside:
        by_route[outcome.route].append(outcome)
    print(f"  {'route':<14}{'requests':>9}{'5xx/none':>9}{'rate':>8}{'p50 ms':>8}{'p99 ms':>8}")
    for route in sorted(by_route):
        rows = by_route[route]
        bad = sum(1 for o in rows if o.status >= 500 or o.status == 0)
        times = [o.seconds * 1000 for o in rows]
        print(
            f"  {route:<14}{len(rows):>9}{bad:>9}{bad / len(rows):>8.2%}"
            f"{statistics.median(times):>8.1f}{_percentile(times, 0.99):>8.1f}"
        )
    times = [o.seconds * 1000 for o in outside]
    print(
        f"  all outside fault windows: p50 {statistics.median(times):.1f} ms, "
        f"p99 {_percentile(times, 0.99):.1f} ms"
    )
    inside_statuses = Counter(o.status for o in inside)
    print(
        f"  inside fault windows ({', '.join(n for n, _, _ in windows)}): "
        f"{len(inside)} requests, statuses {dict(sorted(inside_statuses.items()))}"
    )
    start_kib, end_kib = sum(memory_start.values()), sum(memory_end.values())
    same_workers = set(memory_start) == set(memory_end)
    growth = (end_kib - start_kib) / start_kib if start_kib else 0.0
    print(
        f"  worker memory: {start_kib / 1024:.1f} MiB at start, {end_kib / 1024:.1f} MiB at end "
        f"({growth:+.1%}{'' if same_workers else ', workers were replaced'})"
    )
    counts = Counter(applied)
    delivered = set(hooks.sent)
    missing = delivered - set(counts)
    print(
        f"  webhooks: {len(delivered)} events in {hooks.deliveries} deliveries (repeats too); "
        f"{len(set(counts) & delivered)} applied, {len(missing)} missing, "
        f"{sum(1 for c in counts.values() if c > 1)} applied twice"
    )
    errors_outside = sum(1 for o in outside if o.status >= 500 or o.status == 0)
    wrong_inside = sum(1 for o in inside if (o.status >= 500 and o.status != 503) or o.status == 0)
    goals = {
        "no 5xx outside fault windows": errors_outside == 0,
        "nothing but 503 inside them": wrong_inside == 0,
        "memory growth under 10%": growth < 0.10,
        "every webhook applied exactly once": not missing,
        "the publish succeeded": any(line.startswith("publish: exit 0") for line in log),
    }
    for goal, met in goals.items():
        print(f"  {'met' if met else 'MISSED'}: {goal}")
    return 0 if all(goals.values()) else 1
