"""`python -m publisher.demo.billing`: the stand-in's process, started by `lovetv serve`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from publisher.demo.billing.server import DemoBillingRefused, serve


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m publisher.demo.billing")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--public-host", default="127.0.0.1")
    parser.add_argument("--webhook-url", required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(args.bind, args.public_host, args.webhook_url, args.state, os.environ)
    except DemoBillingRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C reaches the whole foreground group, this one too
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
