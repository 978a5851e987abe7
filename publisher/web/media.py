"""Enclosures and their companions, checked on every request.

`/media/<token>/<guid>.<ext>` checks the token and the member's access each time, then
redirects to a short-lived presigned S3 URL or serves the local file itself with HEAD and
byte ranges (Apple requires both). `/media/teaser/…` serves only teaser episodes and
trailers. Notice audio, the fallback cover and show artwork are public.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from sqlalchemy import select

from feeds.notice_feed import NOTICES
from publisher.listening.inputs import public, published
from publisher.listening.listeners import Listener, find_listener
from publisher.listening.media_names import (
    AUDIO,
    CHAPTERS,
    HLS,
    TRANSCRIPT,
    MediaName,
    audio_extension,
    parse_media_name,
    transcript_type,
)
from publisher.listening.notice_audio import DEFAULT_COVER, NOTICE_AUDIO
from publisher.listening.playlists import PlaylistRequests
from publisher.members.emails import revoked_words
from publisher.models import Episode, PersonalEpisode, Season, Show, utcnow
from publisher.services import services_of
from publisher.stats.ingest import write_batch
from publisher.stats.recorder import MediaHit, Recorder
from publisher.web import playlist_fast_path
from publisher.web.stored_files import send_local, serve_small, serve_stored
from publisher.web.video_media import video_file, video_format

bp = Blueprint("media", __name__)
CHAPTERS_MIME = "application/json+chapters"
MEMBER_CACHE = "private, no-cache"
PUBLIC_CACHE = "public, max-age=86400"


@bp.route("/media/<token>/<filename>", methods=["GET", "HEAD"])
def member_media(token: str, filename: str) -> Response:
    """A members-only file: 404 for an unknown token, 403 for one that lost access."""
    name = parse_media_name(filename)
    if name is None:
        abort(404)
    services = services_of(current_app)
    now = utcnow()
    with services.db.engine.connect() as conn:
        listener = find_listener(conn, services.config.secret_key, token)
    if listener is None:
        abort(404)
    if not listener.access(now).allowed:
        return _no_access(listener, now)
    return _episode_file(name, published(now), MEMBER_CACHE, listener)


NO_ACCESS = {
    "rotated": "this link was replaced by newer ones",
    "lapsed": "the membership behind this link has ended",
    "revoked": "the membership behind this link was withdrawn",
}


def _no_access(listener: Listener, now) -> Response:
    """403 with one plain sentence: why, and where the member can act. A revoked member is
    told who ended it and who to write to: signing in or rejoining cannot undo a revoke."""
    services = services_of(current_app)
    notice = listener.access(now).notice or ""
    why = NO_ACCESS.get(notice, "this link no longer plays episodes")
    if notice == "revoked":
        with services.db.session() as session:
            text = f"{why}. {revoked_words(session)}"
    else:
        account = f"{services.config.base_url}/account"
        text = f"{why}: sign in at {account} for your current links or to renew"
    response = Response(f"{text}\n", status=403, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/media/teaser/<filename>", methods=["GET", "HEAD"])
def teaser_media(filename: str) -> Response:
    """A teaser episode or trailer; a members-only episode is simply not found here."""
    name = parse_media_name(filename)
    if name is None:
        abort(404)
    return _episode_file(name, public(utcnow()), PUBLIC_CACHE)


def _episode_file(
    name: MediaName, condition, cache_control: str, listener: Listener | None = None
) -> Response:
    services = services_of(current_app)
    with services.db.session() as session:
        episode = session.scalar(select(Episode).where(Episode.guid == name.guid, condition))
    if episode is None:
        abort(404)
    if name.kind == AUDIO:
        if name.extension != audio_extension(episode.audio_key, episode.mime):
            abort(404)
        _record(episode.id, listener)
        return serve_stored(
            services.storage, episode.audio_key, episode.mime, episode.size, cache_control
        )
    if name.kind == CHAPTERS:
        if not episode.chapters:
            abort(404)
        return _chapters(episode.chapters, cache_control)
    if name.kind != TRANSCRIPT:
        media_format = video_format(name)
        if media_format is not None and episode.video:
            _record(episode.id, listener, media_format)
        return video_file(services.storage, episode, name, cache_control, _language(name))
    kind = transcript_type(episode.transcript_mime)
    if not episode.transcript_key or kind is None or kind[1] != name.extension:
        abort(404)
    return serve_small(services.storage, episode.transcript_key, kind[0], cache_control)


def _language(name: MediaName) -> str:
    """The show's language, named by the subtitles in a multivariant playlist."""
    if name.kind != HLS:
        return "en"
    with services_of(current_app).db.session() as session:
        show = session.get(Show, 1)
        return (show.language if show else None) or "en"


def _chapters(chapters: list | dict, cache_control: str) -> Response:
    """JSON chapters as the podcast namespace specifies them (version 1.2.0).

    https://github.com/Podcastindex-org/podcast-namespace/blob/main/chapters/jsonChapters.md
    """
    if isinstance(chapters, dict):
        document = chapters
    else:
        document = {"version": "1.2.0", "chapters": chapters}
    response = jsonify(document)
    response.content_type = CHAPTERS_MIME
    response.headers["Cache-Control"] = cache_control
    return response


@bp.route("/media/notice/<kind>.mp3", methods=["GET", "HEAD"])
def notice_audio(kind: str) -> Response:
    """The short chime every notice item carries (one URL per kind: no duplicate enclosures)."""
    if kind not in NOTICES:
        abort(404)
    return send_local(NOTICE_AUDIO, "audio/mpeg", PUBLIC_CACHE)


@bp.route("/media/personal/<filename>", methods=["GET", "HEAD"])
def personal_audio(filename: str) -> Response:
    """A recording of `lovetv personal set`: public like the notice chime (the same file
    for every member), one URL per recording."""
    guid, _, extension = filename.partition(".")
    services = services_of(current_app)
    with services.db.session() as session:
        row = session.scalar(select(PersonalEpisode).where(PersonalEpisode.guid == guid))
        if row is None or extension != audio_extension(row.audio_key, row.mime):
            abort(404)
        key, mime, size = row.audio_key, row.mime, row.size
    return serve_stored(services.storage, key, mime, size, PUBLIC_CACHE)


@bp.route("/media/cover.png", methods=["GET", "HEAD"])
def default_cover() -> Response:
    return send_local(DEFAULT_COVER, "image/png", PUBLIC_CACHE)


@bp.route("/artwork/<path:key>", methods=["GET", "HEAD"])
def artwork(key: str) -> Response:
    """Show, season and episode artwork: only keys that some row names as its image."""
    services = services_of(current_app)
    with services.db.session() as session:
        named = any(
            session.scalar(select(model.id).where(model.image_key == key).limit(1))
            for model in (Show, Season, Episode)
        )
    if not named:
        abort(404)
    mime = "image/png" if key.lower().endswith(".png") else "image/jpeg"
    return serve_stored(services.storage, key, mime, None, PUBLIC_CACHE)


@bp.after_request
def private_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _record(episode_id: int, listener: Listener | None, media_format: str = "audio") -> None:
    """Remember this media request for the download stats (in memory; written in batches)."""
    recorder = current_app.extensions.get("lovetv.recorder")
    if recorder is None:
        return
    recorder.record(
        MediaHit(
            at=utcnow(),
            episode_id=episode_id,
            member_id=listener.member_id if listener else None,
            token_hash=listener.lookup_hash if listener else None,
            method=request.method,
            range_header=request.headers.get("Range"),
            client_ip=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""),
            media_format=media_format,
        )
    )


def recorder_of(app: Flask) -> Recorder | None:
    """The app's download recorder (None when built with `record_downloads=False`)."""
    return app.extensions.get("lovetv.recorder")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    services = services_of(app)
    playlists = PlaylistRequests(services.db.engine, services.config.secret_key)
    playlist_fast_path.init_app(app, playlists)
    # `make bench` compares the media route with and without recording; nothing else
    # turns recording off.
    if app.config.get("LOVETV_RECORD_DOWNLOADS", True):
        app.extensions["lovetv.recorder"] = Recorder(partial(write_batch, services_of(app)))
