"""Time to build a call's announcement audio: cold (fresh service, clips read from disk) and cached.

`python -m bench voice` prints, each the median of several runs:

- `voice.build_ms_cold` (target < 50 ms): a fresh `AnnouncementAudio` opens the default
  pack, reads the clips of one call from disk and joins them;
- `voice.build_ms_warm_pack`: clips already in memory, a call not built before;
- `voice.build_ms_cached`: the same call again, served from the in-memory LRU;
- `voice.build_ms_cold_hall_clips`: like cold, but every clip is a hall's own
  unprocessed recording (44.1 kHz stereo), converted, trimmed and normalised on first
  use in pure Python; `AnnouncementAudio.preload()` at start-up takes this off the call.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
import wave
from array import array
from collections.abc import Iterable
from pathlib import Path

from hardware.speaker.audio import read_wav, resample
from queue_server.services.announcements import DEFAULT_VOICE_DIR, AnnouncementAudio

RUNS = 25
HALL_RUNS = 5


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _row(name: str, values: list[float], target: float | None) -> dict:
    return {
        "name": name,
        "value": round(statistics.median(values), 3),
        "unit": "ms",
        "target": target,
        "better": "lower",
    }


def _hall_recordings(folder: Path) -> None:
    """The default Vietnamese clips as a hall might record them: 44.1 kHz stereo, unprocessed."""
    (folder / "vi").mkdir(parents=True)
    for path in (DEFAULT_VOICE_DIR / "vi").glob("*.wav"):
        mono = resample(read_wav(path), 44100).samples
        stereo = array("h", bytes(4 * len(mono)))
        stereo[0::2] = mono
        stereo[1::2] = mono
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(44100)
            out.writeframes(stereo.tobytes())
        (folder / "vi" / path.name).write_bytes(buffer.getvalue())


def run() -> Iterable[dict]:
    cold, warm, cached = [], [], []
    for i in range(RUNS):
        start = time.perf_counter()
        voice = AnnouncementAudio()  # no disk cache: every clip is read and joined
        voice.build("vi", f"A{i + 1:03d}", 3)
        cold.append(_ms(start))

        start = time.perf_counter()
        voice.build("vi", f"B{1000 + i}", 15)
        warm.append(_ms(start))

        start = time.perf_counter()
        voice.build("vi", f"A{i + 1:03d}", 3)
        cached.append(_ms(start))
    yield _row("voice.build_ms_cold", cold, 50)
    yield _row("voice.build_ms_warm_pack", warm, None)
    yield _row("voice.build_ms_cached", cached, None)

    hall = []
    with tempfile.TemporaryDirectory() as tmp:
        _hall_recordings(Path(tmp))
        for i in range(HALL_RUNS):
            start = time.perf_counter()
            AnnouncementAudio(voice_dir=tmp).build("vi", f"A{i + 1:03d}", 3)
            hall.append(_ms(start))
    yield _row("voice.build_ms_cold_hall_clips", hall, None)
