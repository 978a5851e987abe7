"""`make soak`: mixed traffic at about 80% of the measured peak against `lovetv serve` on a
private PostgreSQL and S3 test server, while PostgreSQL restarts once and S3 stops once.

Prints the error rate by route outside the fault windows (goal: no 5xx), what answered
inside them (goal: nothing but 503), p50/p99 latency, worker memory at start and end (goal:
under 10% growth) and whether every webhook was applied exactly once (deliveries refused
during a fault are redelivered afterwards, as Stripe does). `SOAK_SECONDS` (default 180)
sets the length; the peak is measured for 10 s first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the private servers and factories the tests use

from bench.soak_report import report  # noqa: E402
from bench.soak_traffic import Target, Webhooks, run_paced  # noqa: E402

SECRET = "soak-secret-key-long-enough-0123456789abcdef"
WEBHOOK_SECRET = "whsec_soak"
BUCKET = "soak"
MEMBERS = 40


def prepare(pg, s3, work: Path) -> tuple[dict[str, str], Target]:
    """A migrated database, a bucket with audio, a show with two seasons and members."""
    from support.catalog_factory import make_episode, make_member, make_season, make_show
    from support.media import make_mp3

    from publisher.config import load_config
    from publisher.services import Services

    s3.client().create_bucket(Bucket=BUCKET)
    os.environ.update(s3.env())
    env = {
        "LOVETV_DATABASE_URL": pg.create_database("soak"),
        "LOVETV_STORAGE_URL": f"s3://{BUCKET}/media",
        "LOVETV_BASE_URL": "http://127.0.0.1",
        "LOVETV_SECRET_KEY": SECRET,
        "LOVETV_ENV": "production",
        "STRIPE_API_KEY": "sk_test_soak_never_called",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        **s3.env(),
    }
    services = Services.from_config(load_config(environ=env, instance_path=work / "instance"))
    services.db.upgrade()
    audio = make_mp3(work / "tone.mp3", seconds=3.0)
    feeds, media, teaser = [], [], []
    with services.db.session() as session:
        make_show(session)
        seasons = [make_season(session, f"season-{n}", n) for n in (1, 2)]
        episodes = [make_episode(session, services.storage, s, audio) for s in seasons * 3]
        episodes[0].teaser = True
        tokens = [make_member(session, SECRET, f"m{n}@soak.test")[1] for n in range(MEMBERS)]
    for token in tokens:
        feeds += [f"/feeds/{token}/season-{n}.xml" for n in (1, 2)]
        media += [f"/media/{token}/{e.guid}.mp3" for e in episodes]
    teaser.append(f"/media/teaser/{episodes[0].guid}.mp3")
    services.db.dispose()
    return env, Target(0, feeds, media, teaser, WEBHOOK_SECRET)


def refill(s3, objects: dict[str, bytes]) -> None:
    """moto restarts empty; a real store comes back with its objects."""
    client = s3.client()
    client.create_bucket(Bucket=BUCKET)
    for key, data in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=data)


def faults(pg, s3, seconds: float, windows: list, log: list, publish) -> None:
    """Restart PostgreSQL at a third of the run, publish once it is back, stop S3 for 8 s at
    two thirds."""
    client = s3.client()
    objects = {
        o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
        for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    }
    began = time.monotonic()
    time.sleep(seconds / 3)
    start = time.monotonic() - began
    pg.stop()
    time.sleep(5)
    pg.start()
    windows.append(("postgresql restart", start, time.monotonic() - began + 5))
    log.append(f"postgresql stopped at {start:.0f}s for 5 s")
    time.sleep(7)
    publish()
    time.sleep(max(0.0, 2 * seconds / 3 - (time.monotonic() - began)))
    start = time.monotonic() - began
    s3.stop()
    time.sleep(8)
    s3.start()
    refill(s3, objects)
    windows.append(("s3 stop", start, time.monotonic() - began + 5))
    log.append(f"s3 stopped at {start:.0f}s for 8 s")


def publish_once(env: dict[str, str], work: Path, log: list) -> None:
    """One `lovetv episode publish` in the middle of the traffic."""
    from support.media import make_mp3

    audio = make_mp3(work / "new.mp3", seconds=3.0)
    lovetv = Path(sys.executable).parent / "lovetv"
    done = subprocess.run(
        [str(lovetv), "episode", "publish", "season-1", str(audio), "--title", "Soak"],
        env={**os.environ, **env},
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log.append(f"publish: exit {done.returncode} {done.stderr.strip()[:120]}".strip())


def main() -> int:
    from support.private_pg import PrivatePostgres
    from support.private_s3 import PrivateS3
    from support.served import lovetv_serve

    seconds = float(os.environ.get("SOAK_SECONDS", "180"))
    with tempfile.TemporaryDirectory(prefix="lovetv-soak-") as tmp:
        work = Path(tmp)
        pg, s3 = PrivatePostgres(), PrivateS3()
        try:
            env, target = prepare(pg, s3, work)
            with lovetv_serve(env, work, workers=2) as served:
                target.port = served.port
                hooks = Webhooks(WEBHOOK_SECRET)
                run_paced(target, hooks, rate=0, seconds=5)  # warm every worker up
                peak = run_paced(target, hooks, rate=0, seconds=10)
                peak_rate = len(peak) / 10
                memory_start = _memory(served)
                windows: list = []
                log: list = []
                chaos = threading.Thread(
                    target=faults,
                    args=(pg, s3, seconds, windows, log, lambda: publish_once(env, work, log)),
                )
                chaos.start()
                outcomes = run_paced(target, hooks, rate=0.8 * peak_rate, seconds=seconds)
                chaos.join()
                _redeliver(target, hooks)
                memory_end = _memory(served)
                applied = _applied_events(env)
                log += _server_errors(served.log.read_text())
                return report(
                    outcomes, windows, peak_rate, memory_start, memory_end, hooks, applied, log
                )
        finally:
            s3.close()
            pg.close()


def _server_errors(text: str) -> list[str]:
    """The distinct exceptions the server logged, with how often."""
    from collections import Counter

    lines = text.splitlines()
    found = Counter(
        lines[i + j].strip()[:160]
        for i, line in enumerate(lines)
        if line.startswith("Traceback")
        for j in range(1, 200)
        if i + j < len(lines)
        and not lines[i + j].startswith(" ")
        and (j == 1 or lines[i + j - 1].startswith(" "))
        and ("Error" in lines[i + j] or "Exception" in lines[i + j])
    )
    failed = Counter(
        line.split('"')[1].split()[1].split("/")[1] + " " + line.split('"')[2].split()[0]
        for line in lines
        if line.count('"') >= 4 and line.split('"')[2].strip().startswith("5")
    )
    return [f"server logged {n} x {what}" for what, n in found.most_common(8)] + [
        f"server answered {n} x {what}" for what, n in failed.most_common(8)
    ]


def _memory(served) -> dict[int, int]:
    sizes = {}
    for pid in served.worker_pids():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes[pid] = int(line.split()[1])
    return sizes


def _redeliver(target: Target, hooks: Webhooks) -> None:
    """Deliveries refused during a fault come again, as Stripe retries them."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=15)
    for event_id in sorted(hooks.unacknowledged):
        body = json.dumps(
            {
                "id": event_id,
                "type": "charge.succeeded",
                "created": int(time.time()),
                "data": {"object": {"id": "ch_soak"}},
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Stripe-Signature": hooks.signature(body)}
        conn.request("POST", "/webhooks/stripe", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        hooks.record(event_id, response.status)


def _applied_events(env: dict[str, str]) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["LOVETV_DATABASE_URL"])
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM stripe_events"))]
    engine.dispose()
    return ids


if __name__ == "__main__":
    sys.exit(main())
