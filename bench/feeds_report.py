"""The feed benchmark's report: both databases side by side, each against its targets."""

from __future__ import annotations

# Issue 30: PostgreSQL at 0.85x / 0.9x the bare route, SQLite keeps 0.8x / 0.8x.
TARGETS = {
    "member/bare": {"sqlite": 0.8, "postgresql": 0.85},
    "member 304/bare 304": {"sqlite": 0.8, "postgresql": 0.9},
    # Issue 29: personal items within 5% of none.
    "welcome/plain": {"sqlite": 0.95, "postgresql": 0.95},
    "welcome 304/plain 304": {"sqlite": 0.95, "postgresql": 0.95},
    # 100,000 members on SQLite, 1,000,000 on PostgreSQL, against 1,000: within 15%.
    "member more/member 1k again": {"sqlite": 0.85, "postgresql": 0.85},
}
RSS_GROWTH_MB = 10.0
ROWS = (
    ("bare", "bare Flask, same bytes"),
    ("member", "member feed (1k members)"),
    ("bare 304", "bare Flask 304"),
    ("member 304", "member feed 304"),
    ("constant", "in-app constant route"),
    ("constant 304", "in-app constant 304"),
    ("plain", "member feed, no welcome"),
    ("welcome", "member feed, welcome"),
    ("plain 304", "member 304, no welcome"),
    ("welcome 304", "member 304, welcome"),
    ("member 1k again", "member feed, 1k polling"),
    ("member more", "... 100k (SQLite) / 1M (PG)"),
)


def report(figures: dict[str, dict[str, float]]) -> int:
    """Print the table and the ratios; 0 when every target is met on both databases."""
    sq, pg = figures["sqlite"], figures["postgresql"]
    print(f"  {'req/s':32} {'SQLite':>9} {'PostgreSQL':>11}")
    for key, label in ROWS:
        print(f"  {label:32} {sq[key]:9.0f} {pg[key]:11.0f}")
    met = True
    for key, targets in TARGETS.items():
        ratios = [f[key] for f in (sq, pg)]  # the median of the rounds' ratios
        verdicts = []
        for kind, ratio in zip(("sqlite", "postgresql"), ratios, strict=True):
            ok = ratio >= targets[kind]
            met &= ok
            verdicts.append(f"{kind} >= {targets[kind]}: {'met' if ok else 'MISSED'}")
        print(f"  {key:32} {ratios[0]:9.2f} {ratios[1]:11.2f}  ({'; '.join(verdicts)})")
    print("  server CPU per request, first/second (the client's share of the cores left out):")
    for key in TARGETS:
        cpu = [f[f"{key} cpu"] for f in (sq, pg)]
        print(f"  {key:32} {cpu[0]:9.2f} {cpu[1]:11.2f}")
    for kind, f in (("SQLite 1k -> 100k", sq), ("PostgreSQL 1k -> 1M", pg)):
        growth = f["rss more"] - f["rss 1k"]
        ok = growth < RSS_GROWTH_MB
        met &= ok
        print(
            f"  worker RSS, {kind:20} {f['rss 1k']:.1f} MB -> {f['rss more']:.1f} MB "
            f"({growth:+.1f} MB; target < {RSS_GROWTH_MB:.0f} MB: {'met' if ok else 'MISSED'})"
        )
    print(f"  naive (feedgen per request), SQLite: {sq['naive']:.0f} req/s")
    return 0 if met else 1
