"""A voice pack: named clips (one WAV each) looked up in several folders, first match wins.

A pack folder holds ``<clip name>.wav`` files and, optionally, a ``manifest.json``
(written by make_voice_pack) that maps names to files, gives the text each clip
says and records that the clips are already trimmed and normalised (a file whose
size no longer matches its manifest entry, e.g. re-recorded over a copy of the
default pack, is treated as unprocessed).

`VoicePack([hall_dir, default_dir])` looks up every clip in the hall's folder first
and falls back to the default pack, so a hall can re-record just a few clips.
Clips from a folder without such a manifest (a hall's own recordings) are
trimmed of silence and normalised in loudness when loaded, so they match the
default clips they sit next to. Clip names are compared in Unicode NFC (macOS
writes file names in NFD) and, failing an exact match, case-insensitively.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hardware.speaker.audio import RATE, AudioFormatError, Pcm, normalise, read_wav, trim_silence

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "motcua-voice-pack/1"


class MissingClipsError(LookupError):
    """Some clips are in none of the pack folders; lists them all and where we looked."""

    def __init__(self, missing: Sequence[str], searched: Sequence[Path]) -> None:
        self.missing = list(missing)
        self.searched = list(searched)
        names = ", ".join(repr(name) for name in self.missing)
        where = ", ".join(str(d) for d in self.searched) or "(no folders)"
        super().__init__(
            f"voice pack is missing {len(self.missing)} clip(s): {names}; searched: {where}. "
            f"Add <name>.wav for each to the hall's voice folder or regenerate the default pack."
        )


@dataclass(frozen=True)
class ClipSource:
    name: str
    path: Path
    folder: Path
    processed: bool  # already trimmed and normalised (listed in a pack manifest)
    text: str | None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AudioFormatError(f"{path}: unreadable voice pack manifest ({exc})") from exc
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("clips"), dict):
        raise AudioFormatError(f"{path}: not a {MANIFEST_FORMAT} manifest")
    return manifest


def _index_folder(folder: Path) -> dict[str, ClipSource]:
    """Clips of one folder: the manifest's, plus any other ``*.wav`` (those take precedence)."""
    clips: dict[str, ClipSource] = {}
    manifest = read_manifest(folder)
    if manifest is not None:
        processed = bool(manifest.get("processed"))
        for name, entry in manifest["clips"].items():
            path = folder / entry["file"]
            try:
                size = path.stat().st_size
            except OSError:
                continue
            # a clip re-recorded over a copied pack no longer matches its manifest entry: process it
            same_file = entry.get("bytes") in (None, size)
            clips[_nfc(name)] = ClipSource(_nfc(name), path, folder, processed and same_file, entry.get("text"))
    listed = {source.path.name for source in clips.values()}
    with os.scandir(folder) as entries:
        for entry in entries:
            stem, dot, ext = entry.name.rpartition(".")
            if dot and ext.lower() == "wav" and entry.is_file() and entry.name not in listed:
                name = _nfc(stem)
                clips[name] = ClipSource(name, Path(entry.path), folder, False, None)
    return clips


class VoicePack:
    """Clips by name from `folders`, in priority order (a hall's folder first, the default last)."""

    def __init__(self, folders: Iterable[str | Path], rate: int = RATE) -> None:
        self.folders = [Path(f) for f in folders]
        self.rate = rate
        for folder in self.folders:
            if not folder.is_dir():
                raise FileNotFoundError(f"voice pack folder does not exist: {folder}")
        self._layers = [_index_folder(folder) for folder in self.folders]
        self._cache: dict[str, Pcm] = {}
        self._lock = threading.Lock()

    def source(self, name: str) -> ClipSource | None:
        """Where clip `name` comes from, or None when no folder has it."""
        name = _nfc(name)
        for layer in self._layers:
            if name in layer:
                return layer[name]
        folded = name.casefold()
        for layer in self._layers:
            for key, source in layer.items():
                if key.casefold() == folded:
                    return source
        return None

    def names(self) -> set[str]:
        return {name for layer in self._layers for name in layer}

    def missing(self, names: Iterable[str]) -> list[str]:
        """The names (in order, without repeats) that no folder has."""
        seen: dict[str, None] = {}
        for name in names:
            if self.source(name) is None:
                seen.setdefault(name, None)
        return list(seen)

    def require(self, names: Iterable[str]) -> None:
        """Raise MissingClipsError naming every clip of `names` that no folder has."""
        missing = self.missing(names)
        if missing:
            raise MissingClipsError(missing, self.folders)

    def text(self, name: str) -> str | None:
        """What the clip says, when a manifest tells."""
        source = self.source(name)
        return source.text if source else None

    def clip(self, name: str) -> Pcm:
        """The clip as mono 16-bit PCM at the pack's rate (loaded once, then kept)."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        source = self.source(name)
        if source is None:
            raise MissingClipsError([name], self.folders)
        pcm = read_wav(source.path, self.rate)
        if not source.processed:
            pcm = normalise(trim_silence(pcm))
        with self._lock:
            self._cache[name] = pcm
        return pcm

    def preload(self, names: Iterable[str] | None = None) -> int:
        """Load (and convert) clips ahead of the first call; returns how many are in memory.

        A hall's own recordings are trimmed, normalised and resampled on first use,
        which takes tens of milliseconds per clip in pure Python: a server or agent
        calls this at start-up so that no announcement waits for it.
        """
        for name in sorted(self.names() if names is None else set(names)):
            if self.source(name) is not None:
                self.clip(name)
        return len(self._cache)

    def clips(self, names: Sequence[str]) -> list[Pcm]:
        """Every clip of `names`, after checking that none is missing."""
        self.require(names)
        return [self.clip(name) for name in names]

    def fingerprint(self) -> str:
        """Changes when any clip file of any folder is added, removed or rewritten."""
        digest = hashlib.sha256()
        for layer in self._layers:
            for name in sorted(layer):
                stat = layer[name].path.stat()
                digest.update(f"{name}\0{layer[name].path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()[:16]
