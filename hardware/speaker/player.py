"""Play WAV audio on the hall's speakers, or on a simulated speaker, chosen by URL.

- ``local://`` plays on this PC's sound device with the first player found on
  PATH: ``aplay`` (ALSA), ``paplay`` (PulseAudio/PipeWire) or ``play`` (sox).
  ``local://?player=paplay&device=NAME`` picks the player and output device.
- ``file:///var/lib/motcua/spoken`` writes each sound as a numbered WAV there
  (for a PC without speakers, or to check what would have been said).
- ``sim://`` keeps the sounds in memory (`SimSpeaker.played`), for tests and the demo.

`Speaker.play` blocks until the sound has finished, and a speaker plays one sound
at a time: calls from several threads queue up instead of overlapping. Without a
player or a sound card `play` raises `AudioOutputError` with the reason (the
player's own message), never a bare crash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import wave
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

PLAYERS = ("aplay", "paplay", "play")


class AudioOutputError(RuntimeError):
    """The sound could not be played (no player, no sound card, player failed)."""


def find_player(preferred: str | None = None) -> str | None:
    """Path of the player to use: `preferred` if on PATH, else the first of PLAYERS found."""
    for name in (preferred,) if preferred else PLAYERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def wav_duration_s(wav: bytes) -> float:
    with wave.open(BytesIO(wav), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def player_command(player: str, path: str, device: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The command line (and extra environment) that plays file `path` with `player`."""
    name = Path(player).name
    env: dict[str, str] = {}
    if name == "aplay":
        cmd = [player, "-q", *(["-D", device] if device else []), path]
    elif name == "paplay":
        cmd = [player, *([f"--device={device}"] if device else []), path]
    elif name == "play":
        cmd = [player, "-q", path]
        if device:
            env["AUDIODEV"] = device
    else:
        cmd = [player, path]
    return cmd, env


def play_wav(wav: bytes, player: str | None = None, device: str | None = None) -> None:
    """Play `wav` (a complete WAV file) on the local sound device and wait until it ends."""
    found = find_player(player)
    if found is None:
        wanted = player or " / ".join(PLAYERS)
        raise AudioOutputError(f"no audio player found on PATH (looked for {wanted}); install alsa-utils or sox")
    try:
        timeout = wav_duration_s(wav) + 10
    except (wave.Error, EOFError) as exc:
        raise AudioOutputError(f"not a WAV file: {exc}") from exc
    with tempfile.NamedTemporaryFile(suffix=".wav", prefix="motcua-") as handle:
        handle.write(wav)
        handle.flush()
        cmd, env = player_command(found, handle.name, device)
        try:
            result = subprocess.run(
                cmd, capture_output=True, timeout=timeout, env={**os.environ, **env}, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise AudioOutputError(f"{Path(found).name} did not finish within {timeout:.0f} s") from exc
        except OSError as exc:
            raise AudioOutputError(f"cannot run {found}: {exc}") from exc
    if result.returncode != 0:
        message = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
        reason = message[-1] if message else f"exit status {result.returncode}"
        raise AudioOutputError(f"{Path(found).name} could not play the sound (no sound card?): {reason}")


class Speaker:
    """Plays one sound at a time."""

    url = ""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def play(self, wav: bytes) -> None:
        with self._lock:
            self._play(wav)

    def _play(self, wav: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LocalSpeaker(Speaker):
    def __init__(self, player: str | None = None, device: str | None = None) -> None:
        super().__init__()
        self.player, self.device = player, device
        self.url = "local://"

    def available(self) -> bool:
        return find_player(self.player) is not None

    def _play(self, wav: bytes) -> None:
        play_wav(wav, self.player, self.device)


class FileSpeaker(Speaker):
    """Writes each sound as ``0001.wav``, ``0002.wav``... into a folder."""

    def __init__(self, folder: str | Path) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.url = self.folder.as_uri()
        self.count = len(list(self.folder.glob("*.wav")))

    def _play(self, wav: bytes) -> None:
        self.count += 1
        (self.folder / f"{self.count:04d}.wav").write_bytes(wav)


class SimSpeaker(Speaker):
    """Remembers every sound it was asked to play, in order."""

    url = "sim://"

    def __init__(self) -> None:
        super().__init__()
        self.played: list[bytes] = []

    def _play(self, wav: bytes) -> None:
        self.played.append(wav)


def open_speaker(url: str) -> Speaker:
    """A speaker from its URL: ``local://[?player=aplay&device=hw:1]``, ``file:///dir``, ``sim://``."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "local":
        return LocalSpeaker(query.get("player"), query.get("device"))
    if parts.scheme == "file":
        return FileSpeaker(unquote(parts.path))
    if parts.scheme == "sim":
        return SimSpeaker()
    raise ValueError(f"unknown speaker URL {url!r}; use local://, file:///folder or sim://")
