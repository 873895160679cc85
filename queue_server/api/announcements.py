"""The audio of a call, for hall displays and the hall agent: `GET /api/v1/announcements/vi/A012/3.wav`.

Public (a hall display has no login) and cheap to repeat: the WAV is built once by
`AnnouncementAudio` from the hall's voice pack (memory LRU + a disk cache in the data
directory) and served with a strong ETag, `Cache-Control: no-cache`, so a browser asks
again for every call (a recall is heard again) and gets `304 Not Modified` when it
already holds the bytes.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path as FsPath

from fastapi import APIRouter, Path, Request, Response

from hardware.speaker import MissingClipsError
from queue_server.domain.announcement import LANGS, MAX_CODE_LENGTH
from queue_server.services.announcements import AnnouncementAudio
from queue_server.services.errors import InvalidInput, NotFound, ServiceError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/announcements", tags=["announcements"])

_LOCK = threading.Lock()


class VoiceUnavailable(ServiceError):
    status = 503
    code = "voice_unavailable"


def voice_of(app) -> AnnouncementAudio:  # noqa: ANN001
    """The hall's announcement builder, made on first use (clips are preloaded in the background)."""
    voice = getattr(app.state, "voice", None)
    if voice is not None:
        return voice
    with _LOCK:
        voice = getattr(app.state, "voice", None)
        if voice is None:
            settings = app.state.ctx.settings
            voice = AnnouncementAudio(voice_dir=settings.voice_dir or None,
                                      cache_dir=FsPath(settings.data_dir) / "voice-cache",
                                      dialect=settings.dialect)
            app.state.voice = voice
            threading.Thread(target=_preload, args=(voice,), name="voice-preload", daemon=True).start()
    return voice


def _preload(voice: AnnouncementAudio) -> None:
    for lang in LANGS:
        try:
            voice.preload(lang)
        except Exception as exc:  # noqa: BLE001 - a broken pack is reported when a call is built
            logger.warning("voice pack %s could not be preloaded: %s", lang, exc)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


@router.get(
    "/{lang}/{code}/{counter}.wav",
    summary="Announcement audio of a call (WAV)",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}, "description": "mono 16-bit WAV"},
               304: {"description": "unchanged since the ETag sent in If-None-Match"}},
)
def announcement(request: Request, lang: str = Path(max_length=8), code: str = Path(min_length=1, max_length=MAX_CODE_LENGTH),
                 counter: int = Path(ge=0, le=9999)) -> Response:
    """ "Xin mời công dân có số thứ tự A012 đến quầy số 3" (vi) or "Ticket number A twelve, please go
    to counter three" (en), built offline from the voice pack."""
    if lang not in LANGS:
        raise NotFound(f"Không có giọng đọc “{lang}” (có: {', '.join(LANGS)}).",
                       f"No voice for language {lang!r} (available: {', '.join(LANGS)}).")
    voice = voice_of(request.app)
    try:
        etag = f'"{voice.key(lang, code, counter)}"'  # type: ignore[arg-type]
    except ValueError as exc:
        raise InvalidInput(f"Không đọc được số “{code}”: chỉ gồm chữ cái A–Z, chữ số và dấu gạch.",
                           f"Cannot read ticket code {code!r}: {exc}", field="code") from None
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    try:
        wav = voice.build(lang, code, counter)  # type: ignore[arg-type]
    except MissingClipsError as exc:
        logger.error("voice pack incomplete: %s", exc)
        raise VoiceUnavailable("Bộ giọng đọc thiếu tệp âm thanh; hãy báo quản trị viên.",
                               f"The voice pack is incomplete: {exc}") from None
    return Response(wav, media_type="audio/wav", headers=headers)
