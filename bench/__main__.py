"""`python -m bench [NAME ...]`: run every benchmark (or the named ones) and report targets."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("publish", "cli", "feeds", "mail", "media", "metrics", "video")


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    failed: list[str] = []
    for name in chosen:
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        if module.main() != 0:
            failed.append(name)
    if failed:
        print(f"targets missed in: {', '.join(failed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
