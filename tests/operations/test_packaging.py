"""The built package runs: a wheel holds every file the code opens, and installed without
`-e` into a fresh environment it serves the home page, the teaser feed and a download
that the stats attribute to its app (which reads `publisher/stats/data/`).

The fresh environment reaches the locked dependencies through a path entry to this
project's virtual environment, whose editable install of the project itself is not
activated there (a path entry runs no `.pth` file), so only the wheel's code is imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from support.network import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("publisher", "feeds", "audio", "auth", "migrations")
ANTENNAPOD = "AntennaPod/3.2.0"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(out), str(ROOT)],
        check=True, capture_output=True, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("lovetv-*.whl")
    return built


# The Stripe stand-in runs only from a development checkout: the wheel leaves it out.
STAND_IN = "publisher/demo/billing/"


def shipped_data_files() -> set[str]:
    """Every non-Python file under the packages, as the repository holds it (the stand-in's
    aside)."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
                found.add(path.relative_to(ROOT).as_posix())
    return {name for name in found if not name.startswith(STAND_IN)}


def test_the_wheel_holds_every_file_the_packages_carry(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = sorted(shipped_data_files() - names)
    assert missing == [], f"left out of the wheel: {missing}"


def test_the_wheel_leaves_the_stripe_stand_in_out(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert (ROOT / STAND_IN / "engine.py").is_file()  # the checkout holds it
    assert [name for name in names if name.startswith(STAND_IN)] == []
    assert "publisher/demo/seed.py" in names and "publisher/demo/media/teaser.mp3" in names


def test_the_installed_wheel_serves_pages_feeds_and_attributed_downloads(
    wheel: Path, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "locked-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    where = subprocess.run(
        [str(python), "-c", "import publisher; print(publisher.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert where.startswith(site), f"imported from {where}, not the wheel"

    lovetv = str(fresh / "bin" / "lovetv")
    port = free_port()
    env = {
        **os.environ,
        "LOVETV_DATABASE_URL": f"sqlite:///{tmp_path / 'lovetv.db'}",
        "LOVETV_STORAGE_URL": f"file://{tmp_path / 'media'}",
        "LOVETV_BASE_URL": f"http://127.0.0.1:{port}",
    }
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([lovetv, *command], env=env, cwd=tmp_path, check=True, capture_output=True)
    server = subprocess.Popen(
        [lovetv, "serve", "--port", str(port), "--workers", "1"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", timeout=30)
        home = urllib.request.urlopen(f"{base}/", timeout=10).read().decode()
        assert "Love TV" in home and "<video" in home  # the demo trailer's video
        request = urllib.request.Request(
            f"{base}/feeds/teaser.xml", headers={"Accept": "application/rss+xml"}
        )
        feed = urllib.request.urlopen(request, timeout=10).read()
        enclosure = feed.split(b'<enclosure url="', 1)[1].split(b'"', 1)[0].decode()
        audio = urllib.request.Request(enclosure, headers={"User-Agent": ANTENNAPOD})
        assert len(urllib.request.urlopen(audio, timeout=10).read()) > 10_000
        join = urllib.request.Request(f"{base}/join/monthly", headers={"Accept": "text/plain"})
        with pytest.raises(urllib.error.HTTPError) as closed:
            urllib.request.urlopen(join, timeout=10)
        assert closed.value.code == 503
        assert "runs only from a development checkout" in closed.value.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)  # the worker writes its waiting downloads as it stops
    stats = subprocess.run(
        [lovetv, "stats", "--json"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    assert json.loads(stats.stdout)["apps"] == {"AntennaPod": 1}
