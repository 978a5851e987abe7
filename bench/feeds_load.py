"""The feed benchmark's measurements: `wrk` runs in alternating pairs, medians side by side."""

from __future__ import annotations

import statistics
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.load import requests_per_second

SECONDS = 4
ROUNDS = 5  # odd, for a median; one run of a pair differs from the next by up to 15%
FEED = "season-01.xml"


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        return dict(response.headers), response.read()


class Loads:
    """The servers of one database: the service, the service with a welcome, the bare app."""

    def __init__(self, wrk: str | None, tmp: Path, port: int, bare: int, welcome: int) -> None:
        self.wrk, self.tmp = wrk, tmp
        self.port, self.bare, self.welcome = port, bare, welcome

    def run(
        self, port: int, paths: list[str], header: str | None = None, seconds: int = SECONDS
    ) -> float:
        return requests_per_second(self.wrk, port, paths, seconds, self.tmp, header)

    def paired(
        self, first: Callable[[], float], second: Callable[[], float]
    ) -> tuple[float, float, float]:
        """Alternate the two runs (the machine is shared), first-second then second-first, so
        neither side always runs after the other. Returns the median of each side and the
        median of the rounds' second/first ratios: a busy moment lands on both runs of its
        round, so the ratio of one round is steadier than either figure."""
        a: list[float] = []
        b: list[float] = []
        for round_ in range(ROUNDS):
            if round_ % 2:
                b.append(second())
                a.append(first())
            else:
                a.append(first())
                b.append(second())
        ratios = [y / x for x, y in zip(a, b, strict=True)]
        return statistics.median(a), statistics.median(b), statistics.median(ratios)

    def compare(self, tokens: list[str], welcome_tokens: list[str]) -> dict[str, float]:
        """Member feed and 304 against the bare app, the in-app constant route, and the
        member feed and 304 with a welcome for every member against without."""
        member, constant = f"/feeds/{tokens[0]}/{FEED}", f"/bench/constant/{tokens[0]}/{FEED}"
        welcomed = f"/feeds/{welcome_tokens[0]}/{FEED}"
        for _ in range(4):  # every worker renders and caches before the clock starts
            for port, path in (
                (self.port, member),
                (self.port, constant),
                (self.welcome, welcomed),
            ):
                get(port, path)
        etag = get(self.port, member)[0]["ETag"]
        constant_etag = get(self.port, constant)[0]["ETag"]
        welcome_headers, welcome_body = get(self.welcome, welcomed)
        assert get(self.bare, member)[1] == get(self.port, member)[1]  # the same bytes
        assert b">Welcome<" in welcome_body  # every member sees the welcome
        members = [f"/feeds/{t}/{FEED}" for t in tokens]
        welcome_members = [f"/feeds/{t}/{FEED}" for t in welcome_tokens]
        if_match, welcome_match = (
            f"If-None-Match: {etag}",
            f"If-None-Match: {welcome_headers['ETag']}",
        )
        f: dict[str, float] = {}
        f["bare"], f["member"], f["member/bare"] = self.paired(
            lambda: self.run(self.bare, members), lambda: self.run(self.port, members)
        )
        f["bare 304"], f["member 304"], f["member 304/bare 304"] = self.paired(
            lambda: self.run(self.bare, [member], if_match),
            lambda: self.run(self.port, [member], if_match),
        )
        f["constant"], f["constant 304"], _ = self.paired(
            lambda: self.run(self.port, [constant]),
            lambda: self.run(self.port, [constant], f"If-None-Match: {constant_etag}"),
        )
        f["plain"], f["welcome"], f["welcome/plain"] = self.paired(
            lambda: self.run(self.port, members), lambda: self.run(self.welcome, welcome_members)
        )
        f["plain 304"], f["welcome 304"], f["welcome 304/plain 304"] = self.paired(
            lambda: self.run(self.port, [member], if_match),
            lambda: self.run(self.welcome, [welcomed], welcome_match),
        )
        return f

    def naive(self, token: str) -> float:
        """feedgen on every request (the design the stored feeds replaced)."""
        path = f"/bench/naive/{token}/{FEED}"
        get(self.port, path)
        return self.run(self.port, [path], seconds=3)

    def members_against(self, before: list[str], after: list[str]) -> tuple[float, float, float]:
        """The member feed polled by the `before` members against the `after` members."""
        first = [f"/feeds/{t}/{FEED}" for t in before]
        second = [f"/feeds/{t}/{FEED}" for t in after]
        for path in second[:8]:
            get(self.port, path)
        return self.paired(lambda: self.run(self.port, first), lambda: self.run(self.port, second))
