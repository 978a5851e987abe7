"""Requests per second from `wrk` (or, without it, a small Python keep-alive client)."""

from __future__ import annotations

import http.client
import re
import subprocess
import threading
import time
from pathlib import Path

# Each wrk thread starts at its own place in the list and walks through it.
_PATHS_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
function setup(thread) thread:set("offset", math.random(#paths)) end
function init(args) i = tonumber(offset) or 0 end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def requests_per_second(
    wrk: str | None,
    port: int,
    paths: list[str],
    seconds: int,
    tmp: Path,
    header: str | None = None,
) -> float:
    """Load the server on 127.0.0.1:`port` with `paths` for `seconds`; return requests/s."""
    if wrk is None:
        return _python_load(port, paths, seconds, header)
    command = [wrk, "-t2", "-c8", f"-d{seconds}s", "--latency"]
    if header:
        command += ["-H", header]
    if len(paths) > 1:
        listing = tmp / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = tmp / "paths.lua"
        script.write_text(_PATHS_SCRIPT % listing)
        command += ["-s", str(script)]
    command.append(f"http://127.0.0.1:{port}{paths[0]}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{non_2xx.group(1)} failed responses under load:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]  # wrk always prints it


def _python_load(port: int, paths: list[str], seconds: int, header: str | None) -> float:
    headers = dict([header.split(": ", 1)]) if header else {}
    counts = [0] * 8
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n
        while time.monotonic() < deadline:
            conn.request("GET", paths[i % len(paths)], headers=headers)
            conn.getresponse().read()
            counts[n] += 1
            i += 8

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds
