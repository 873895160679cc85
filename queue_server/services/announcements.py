"""The audio of a call ("Xin mời công dân có số thứ tự A012 đến quầy số 3") as WAV bytes, cached.

The server serves each announcement over HTTP and the hall agent plays it on
its speakers; both ask an `AnnouncementAudio` for the bytes:

    voice = AnnouncementAudio(voice_dir=hall_voice_dir, cache_dir=data_dir / "voice-cache")
    wav = voice.build("vi", "A012", 3)           # bytes of a complete WAV file
    etag = voice.key("vi", "A012", 3)            # stable while the clips do not change

The clip order is decided by `queue_server.domain.announcement`; the clips come from
the hall's folder ``<voice_dir>/<lang>/`` first, then the default pack in
``assets/voice/<lang>/``. Results are kept in an in-memory LRU and, when
`cache_dir` is given, on disk (so a restart does not rebuild them). The cache
key covers the clip names, the pauses and a fingerprint of the pack files, so a
hall that drops in new clips gets new audio after `reload()` (or a restart).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from hardware.speaker import Pause, Pcm, VoicePack, concatenate, wav_bytes
from queue_server.domain.announcement import (
    CHIME,
    CodeReading,
    Lang,
    announcement_parts,
    check_lang,
    vocabulary,
)
from queue_server.domain.number_words import Dialect

DEFAULT_VOICE_DIR = Path(__file__).resolve().parents[2] / "assets" / "voice"

#: Pauses (ms) around and between the parts of a call.
EDGE_MS = 100  # before the chime and after the last word (players may clip the edges)
AFTER_CHIME_MS = 250
BETWEEN_PARTS_MS = 150  # between invitation, code, "đến quầy số" and counter
BETWEEN_WORDS_MS = 20  # between words of one part (clips already carry 15 ms of margin)
_LAYOUT = (EDGE_MS, AFTER_CHIME_MS, BETWEEN_PARTS_MS, BETWEEN_WORDS_MS, 1)  # bump the last to rebuild caches


class AnnouncementAudio:
    """Builds and caches announcement audio for one hall (its voice folder and dialect)."""

    def __init__(
        self,
        voice_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        max_cached: int = 256,
        max_disk_files: int = 5000,
        dialect: Dialect = "north",
        code_reading: CodeReading = "number",
        default_dir: str | Path = DEFAULT_VOICE_DIR,
    ) -> None:
        self.voice_dir = Path(voice_dir) if voice_dir else None
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.default_dir = Path(default_dir)
        self.max_cached = max_cached
        # The audio endpoint is public: anyone may ask for any readable code, so the disk
        # cache keeps the newest files only (a busy hall's day is a few thousand calls).
        self.max_disk_files = max_disk_files
        self._disk_writes = 0
        self.dialect: Dialect = dialect
        self.code_reading: CodeReading = code_reading
        self._packs: dict[str, tuple[VoicePack, str]] = {}
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    # --- the pack ------------------------------------------------------------------
    def folders(self, lang: Lang) -> list[Path]:
        """Where clips of `lang` are looked up, first match wins: the hall's folder, then the default."""
        check_lang(lang)
        folders = []
        if self.voice_dir is not None and (self.voice_dir / lang).is_dir():
            folders.append(self.voice_dir / lang)
        folders.append(self.default_dir / lang)
        return folders

    def pack(self, lang: Lang) -> VoicePack:
        return self._pack(lang)[0]

    def _pack(self, lang: Lang) -> tuple[VoicePack, str]:
        with self._lock:
            entry = self._packs.get(lang)
        if entry is None:
            pack = VoicePack(self.folders(lang))
            entry = (pack, pack.fingerprint())
            with self._lock:
                entry = self._packs.setdefault(lang, entry)
        return entry

    def missing_clips(self, lang: Lang) -> list[str]:
        """Clips some announcement in `lang` could need that no folder has (empty when complete)."""
        return sorted(self.pack(lang).missing(vocabulary(lang)))

    def preload(self, lang: Lang) -> int:
        """Load every clip `lang` may need now (call at start-up, e.g. in a thread); returns the count."""
        return self.pack(lang).preload(vocabulary(lang))

    def reload(self) -> None:
        """Re-read the voice folders (after a hall adds or replaces clips) and forget built audio."""
        with self._lock:
            self._packs.clear()
            self._memory.clear()

    # --- one announcement ------------------------------------------------------------
    def parts(
        self,
        lang: Lang,
        code: str,
        counter: int,
        dialect: Dialect | None = None,
        code_reading: CodeReading | None = None,
    ) -> tuple[tuple[str, ...], ...]:
        return announcement_parts(
            code, counter, lang, dialect or self.dialect, code_reading or self.code_reading
        )

    def clips(
        self,
        lang: Lang,
        code: str,
        counter: int,
        dialect: Dialect | None = None,
        code_reading: CodeReading | None = None,
    ) -> tuple[str, ...]:
        """The clip names of the announcement, in order."""
        return tuple(c for part in self.parts(lang, code, counter, dialect, code_reading) for c in part)

    def transcript(
        self,
        lang: Lang,
        code: str,
        counter: int,
        dialect: Dialect | None = None,
        code_reading: CodeReading | None = None,
    ) -> str:
        """What the announcement says, from the texts of the clips (e.g. for a log or subtitles)."""
        pack = self.pack(lang)
        clips = self.clips(lang, code, counter, dialect, code_reading)
        return " ".join(pack.text(c) or c for c in clips if c != CHIME)

    def key(
        self,
        lang: Lang,
        code: str,
        counter: int,
        dialect: Dialect | None = None,
        code_reading: CodeReading | None = None,
    ) -> str:
        """A hex id of the audio: the same for the same sound ("A012" and "a-012"), new when clips change."""
        parts = self.parts(lang, code, counter, dialect, code_reading)
        return self._key(lang, parts, self._pack(lang)[1])

    @staticmethod
    def _key(lang: str, parts: tuple[tuple[str, ...], ...], fingerprint: str) -> str:
        blob = json.dumps([lang, fingerprint, _LAYOUT, parts], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def build(
        self,
        lang: Lang,
        code: str,
        counter: int,
        dialect: Dialect | None = None,
        code_reading: CodeReading | None = None,
    ) -> bytes:
        """The announcement as a complete WAV file (mono, 16-bit, 22050 Hz).

        Raises ValueError for a code or counter that cannot be spoken and
        hardware.speaker.MissingClipsError (naming every missing clip) when the pack is incomplete.
        """
        parts = self.parts(lang, code, counter, dialect, code_reading)
        pack, fingerprint = self._pack(lang)
        key = self._key(lang, parts, fingerprint)
        with self._lock:
            cached = self._memory.get(key)
            if cached is not None:
                self._memory.move_to_end(key)
                return cached
        wav = self._read_disk(key)
        if wav is None:
            wav = wav_bytes(self._render(pack, parts))
            self._write_disk(key, wav)
        with self._lock:
            self._memory[key] = wav
            self._memory.move_to_end(key)
            while len(self._memory) > self.max_cached:
                self._memory.popitem(last=False)
        return wav

    def _render(self, pack: VoicePack, parts: tuple[tuple[str, ...], ...]) -> Pcm:
        pack.require(c for part in parts for c in part)
        items: list[Pcm | Pause] = [Pause(EDGE_MS)]
        for index, part in enumerate(parts):
            if index:
                items.append(Pause(AFTER_CHIME_MS if parts[index - 1] == (CHIME,) else BETWEEN_PARTS_MS))
            for position, name in enumerate(part):
                if position:
                    items.append(Pause(BETWEEN_WORDS_MS))
                items.append(pack.clip(name))
        items.append(Pause(EDGE_MS))
        return concatenate(items, pack.rate)

    # --- disk cache ------------------------------------------------------------------
    def _disk_path(self, key: str) -> Path | None:
        return self.cache_dir / f"{key}.wav" if self.cache_dir else None

    def _read_disk(self, key: str) -> bytes | None:
        path = self._disk_path(key)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _write_disk(self, key: str, wav: bytes) -> None:
        path = self._disk_path(key)
        if path is None:
            return
        tmp: str | None = None
        try:  # write then rename, so a reader never sees half a file; a full disk only loses the cache
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
            with os.fdopen(fd, "wb") as handle:
                handle.write(wav)
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            return
        self._disk_writes += 1
        if self._disk_writes % 64 == 0:
            self._prune_disk()

    def _prune_disk(self) -> None:
        """Remove the oldest cached files beyond `max_disk_files`."""
        try:
            files = sorted(self.cache_dir.glob("*.wav"), key=lambda f: f.stat().st_mtime)
            for old in files[: max(0, len(files) - self.max_disk_files)]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # another process pruned the same files: nothing lost but cache
