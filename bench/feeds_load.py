"""The feed benchmark's measurements: `wrk` runs in alternating pairs, medians side by side."""

from __future__ import annotations

import os
import statistics
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.load import requests_per_second

# This shared machine's speed steps by up to 40% for seconds at a time (a fixed CPU loop,
# nothing else of ours running, measured), so pairs alternate often: many short runs and
# the median of their ratios, where a step spoils only the rounds it straddles.
SECONDS = 2
ROUNDS = 11  # odd, for a median
FEED = "season-01.xml"


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        return dict(response.headers), response.read()


def server_cpu_seconds(master: int) -> float:
    """User and system CPU of a gunicorn master and its workers so far, in seconds."""
    pids = [str(master), *Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Load:
    """One `wrk` run: requests a second, and the server's CPU per request (in µs).

    On this shared two-core machine the client, the server and everything else compete for
    the same cores, so requests a second move by up to 15% from one run to the next. The CPU
    a server spends per request leaves the client's share out; measured, it moved nearly as
    much (two servers on two cores slow each other's caches too), so it is a second view of
    a ratio, not a steadier one."""

    per_second: float
    cpu_us: float


@dataclass(frozen=True)
class Pair:
    """Two loads alternated over the rounds: the median of each side's requests a second,
    the median of the rounds' second/first ratios, and the same for the CPU per request
    (first/second, so that above 1 means the second is cheaper, as for requests a second)."""

    first: float
    second: float
    ratio: float
    cpu_ratio: float


class Welcome:
    """The welcome of issue 29, set or removed by the producer while the service runs.

    Both sides of the comparison are the same server, the same database and the same
    members, a welcome set in between: two servers of their own, one with the welcome and one
    without, differed by up to 20% from one run to the next, more than the 5% the comparison
    is for."""

    def __init__(self, port: int, path: str, set_welcome: Callable[[bool], None]) -> None:
        self.port, self.path, self.set_welcome = port, path, set_welcome
        self.on = False  # the bench's catalogue starts without one
        self.etag = ""

    def state(self, on: bool) -> str:
        """Switch to `on` if needed, wait until the workers serve it; the `If-None-Match`
        header that gets a 304 of it (the ETag changes with every switch)."""
        if self.on != on:
            self.set_welcome(on)
            self.on, self.etag = on, ""
        if not self.etag:
            self.etag = self._served(on)
        return f"If-None-Match: {self.etag}"

    def _served(self, on: bool) -> str:
        """The ETag once eight answers in a row (new connections, so both workers) agree."""
        deadline = time.monotonic() + 60
        agreeing: list[str] = []
        while len(agreeing) < 8:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the workers did not pick up the welcome ({on=})")
            headers, body = get(self.port, self.path)
            if (b">Welcome<" in body) == on:
                agreeing.append(headers["ETag"])
            else:
                agreeing.clear()
                time.sleep(0.1)
        if len(set(agreeing)) != 1:
            raise RuntimeError(f"the workers answer different ETags: {set(agreeing)}")
        return agreeing[0]


class Loads:
    """The servers of one database: the service and the bare app.

    `masters` maps each port to its gunicorn master's pid, for the CPU per request."""

    def __init__(
        self, wrk: str | None, tmp: Path, port: int, bare: int, masters: dict[int, int]
    ) -> None:
        self.wrk, self.tmp = wrk, tmp
        self.port, self.bare = port, bare
        self.masters = masters

    def run(
        self, port: int, paths: list[str], header: str | None = None, seconds: int = SECONDS
    ) -> Load:
        before = server_cpu_seconds(self.masters[port])
        rate = requests_per_second(self.wrk, port, paths, seconds, self.tmp, header)
        spent = server_cpu_seconds(self.masters[port]) - before
        return Load(rate, spent / (rate * seconds) * 1e6)

    def paired(self, first: Callable[[], Load], second: Callable[[], Load]) -> Pair:
        """Alternate the two runs (the machine is shared), first-second then second-first, so
        neither side always runs after the other; a busy moment lands on both runs of its
        round, so one round's ratio is steadier than either figure."""
        a: list[Load] = []
        b: list[Load] = []
        for round_ in range(ROUNDS):
            if round_ % 2:
                b.append(second())
                a.append(first())
            else:
                a.append(first())
                b.append(second())
        rounds = list(zip(a, b, strict=True))
        return Pair(
            statistics.median(x.per_second for x in a),
            statistics.median(y.per_second for y in b),
            statistics.median(y.per_second / x.per_second for x, y in rounds),
            statistics.median(x.cpu_us / y.cpu_us for x, y in rounds),
        )

    @staticmethod
    def record(f: dict[str, float], first: str, second: str, pair: Pair) -> None:
        """`pair` into the figures: each side, `second/first`, and its CPU ratio."""
        f[first], f[second] = pair.first, pair.second
        f[f"{second}/{first}"], f[f"{second}/{first} cpu"] = pair.ratio, pair.cpu_ratio

    def compare(self, tokens: list[str], set_welcome: Callable[[bool], None]) -> dict[str, float]:
        """Member feed and 304 against the bare app, the in-app constant route, and the
        member feed and 304 with a welcome for every member against without."""
        member, constant = f"/feeds/{tokens[0]}/{FEED}", f"/bench/constant/{tokens[0]}/{FEED}"
        for _ in range(4):  # every worker renders and caches before the clock starts
            for path in (member, constant):
                get(self.port, path)
        etag = get(self.port, member)[0]["ETag"]
        constant_etag = get(self.port, constant)[0]["ETag"]
        assert get(self.bare, member)[1] == get(self.port, member)[1]  # the same bytes
        members = [f"/feeds/{t}/{FEED}" for t in tokens]
        f: dict[str, float] = {}
        self.record(
            f,
            "bare",
            "member",
            self.paired(lambda: self.run(self.bare, members), lambda: self.run(self.port, members)),
        )
        if_match = f"If-None-Match: {etag}"
        self.record(
            f,
            "bare 304",
            "member 304",
            self.paired(
                lambda: self.run(self.bare, [member], if_match),
                lambda: self.run(self.port, [member], if_match),
            ),
        )
        self.record(
            f,
            "constant",
            "constant 304",
            self.paired(
                lambda: self.run(self.port, [constant]),
                lambda: self.run(self.port, [constant], f"If-None-Match: {constant_etag}"),
            ),
        )
        welcome = Welcome(self.port, member, set_welcome)
        for label, paths, conditional in (("", members, False), (" 304", [member], True)):
            self.record(
                f,
                f"plain{label}",
                f"welcome{label}",
                self.paired(
                    partial(self._with, welcome, False, paths, conditional),
                    partial(self._with, welcome, True, paths, conditional),
                ),
            )
        welcome.state(False)  # what follows measures the feed without it
        return f

    def _with(self, welcome: Welcome, on: bool, paths: list[str], conditional: bool) -> Load:
        """A load of `paths` with the welcome `on` or off; a conditional one presents the
        ETag of what is served then, for a 304. After a switch, one second of the same load
        (not measured) refills every worker's caches, so neither side runs cold."""
        switched = welcome.on != on or not welcome.etag
        if_none_match = welcome.state(on)
        header = if_none_match if conditional else None
        if switched:
            self.run(self.port, paths, header, seconds=1)
        return self.run(self.port, paths, header)

    def naive(self, token: str) -> float:
        """feedgen on every request (the design the stored feeds replaced)."""
        path = f"/bench/naive/{token}/{FEED}"
        get(self.port, path)
        return self.run(self.port, [path], seconds=3).per_second

    def members_against(self, before: list[str], after: list[str]) -> Pair:
        """The member feed polled by the `before` members against the `after` members."""
        first = [f"/feeds/{t}/{FEED}" for t in before]
        second = [f"/feeds/{t}/{FEED}" for t in after]
        for path in second[:8]:
            get(self.port, path)
        return self.paired(lambda: self.run(self.port, first), lambda: self.run(self.port, second))
