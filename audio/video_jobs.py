"""FFmpeg's work on an uploaded video, run in a child process with time and memory bounds.

A producer's video is input we did not make: a hostile or merely broken file can make a
demuxer loop, allocate without end or crash the process. So `inspect` and `package` run
`audio.video_probe` and `audio.video_package` in `python -m audio.video_jobs`, with its
address space capped (`RLIMIT_AS`) and a wall-clock timeout; whatever happens there comes
back as a `VideoError` with one plain line, never a crash of the publish.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

from audio.video_package import PackagedVideo, Rendition, check_renditions, package_video
from audio.video_probe import (
    EXPORT_HINT,
    VideoError,
    VideoInfo,
    check_video_size,
    inspect_video,
)

# Address space, not resident memory: FFmpeg's threads reserve stacks they never touch.
MEMORY_LIMIT = 3 * 1024**3
INSPECT_SECONDS = 120.0
# Copying streams runs at disk speed; each lower rendition is a real encode, which two
# cores do at a few times real time. The bound only stops a job that is stuck.
PACKAGE_BASE_SECONDS = 300.0
COPY_SECONDS_PER_GB = 120.0
ENCODE_SECONDS_PER_MINUTE = 120.0


def inspect(path: Path) -> VideoInfo:
    """`inspect_video` in a bounded child; the size is refused here first, unread."""
    check_video_size(path)
    result = _run({"job": "inspect", "path": str(path)}, INSPECT_SECONDS, path.name)
    return VideoInfo(**result)


def package(
    source: Path,
    workdir: Path,
    name: str,
    info: VideoInfo,
    renditions: tuple[int, ...] = (),
    audio: bool = True,
) -> PackagedVideo:
    """`package_video` in a bounded child, its files written into `workdir`."""
    try:
        check_renditions(renditions, info)
    except ValueError as exc:
        raise VideoError(str(exc)) from None
    job = {
        "job": "package",
        "path": str(source),
        "workdir": str(workdir),
        "name": name,
        "info": info.as_json(),
        "renditions": list(renditions),
        "audio": audio,
    }
    result = _run(job, package_timeout(info, renditions), source.name)
    return PackagedVideo(
        mp4=result["mp4"],
        poster=result.get("poster"),
        audio=result["audio"],
        renditions=tuple(Rendition(**r) for r in result["renditions"]),
    )


def package_timeout(info: VideoInfo, renditions: tuple[int, ...]) -> float:
    encode = ENCODE_SECONDS_PER_MINUTE * info.duration / 60 * len(renditions)
    return PACKAGE_BASE_SECONDS + COPY_SECONDS_PER_GB * info.size / 1024**3 + encode


def _run(job: dict[str, Any], timeout: float, name: str) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "audio.video_jobs"],
            input=json.dumps({**job, "memory_limit": MEMORY_LIMIT}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise VideoError(
            f"{name} took longer than {timeout:.0f}s to read: it is damaged, or export it again"
        ) from None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        answer = None
    if not isinstance(answer, dict) or ("error" not in answer and "result" not in answer):
        why = "needed more memory than allowed" if "MemoryError" in done.stderr else "stopped"
        raise VideoError(
            f"{name} could not be read safely (the reader {why}): it may be damaged, "
            f"so {EXPORT_HINT}"
        )
    if "error" in answer:
        raise VideoError(str(answer["error"]))
    return cast(dict[str, Any], answer["result"])


def _serve(job: dict[str, Any]) -> dict[str, Any]:
    """The child's side: run one job, answer one JSON line."""
    import av

    av.logging.set_level(av.logging.PANIC)  # FFmpeg's chatter is not for producers
    path = Path(job["path"])
    try:
        if job["job"] == "inspect":
            return {"result": inspect_video(path).as_json()}
        packaged = package_video(
            path,
            Path(job["workdir"]),
            job["name"],
            VideoInfo(**job["info"]),
            tuple(job["renditions"]),
            job["audio"],
        )
    except VideoError as exc:
        return {"error": str(exc)}
    except (av.FFmpegError, ValueError, OSError, IndexError, KeyError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return {"error": f"{path.name} could not be converted ({first}): export it again"}
    return {
        "result": {
            "mp4": packaged.mp4,
            "poster": packaged.poster,
            "audio": packaged.audio,
            "renditions": [r.as_json() for r in packaged.renditions],
        }
    }


def _main() -> None:
    job = json.loads(sys.stdin.read())
    # Capped here, before FFmpeg loads, rather than in a preexec_fn: the publishing process
    # has threads, and forking with threads makes preexec_fn unsafe.
    limit = int(job["memory_limit"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print(json.dumps(_serve(job)))


if __name__ == "__main__":
    _main()
