"""Mono 16-bit PCM in pure Python: read any PCM WAV, convert, trim, normalise, join, write.

Announcements are built by joining short clips, so everything here works on a
`Pcm` value (sample rate + ``array('h')`` of mono samples). Reading converts
whatever a hall recorded (8/16/24/32-bit, stereo, 44.1 or 48 kHz) to the
output format; the conversions use byte slicing and comprehensions, no numpy.
"""

from __future__ import annotations

import io
import math
import sys
import wave
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The format of every announcement: mono, 16-bit signed, 22050 Hz.
RATE = 22050
SAMPLE_MAX = 32767
_LITTLE_ENDIAN = sys.byteorder == "little"


class AudioFormatError(ValueError):
    """A file that is not a PCM WAV we can read (says which file and why)."""


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples at `rate` Hz."""

    rate: int
    samples: array

    @property
    def duration_ms(self) -> float:
        return 1000.0 * len(self.samples) / self.rate

    @property
    def peak(self) -> int:
        if not self.samples:
            return 0
        return max(max(self.samples), -min(self.samples))


@dataclass(frozen=True)
class Pause:
    """Silence between clips, in milliseconds."""

    ms: float


def silence(ms: float, rate: int = RATE) -> Pcm:
    return Pcm(rate, array("h", bytes(2 * round(rate * ms / 1000))))


def _samples_from_le16(data: bytes) -> array:
    samples = array("h")
    samples.frombytes(data[: len(data) // 2 * 2])
    if not _LITTLE_ENDIAN:
        samples.byteswap()
    return samples


def _to_16_bit(frames: bytes, width: int) -> array:
    """Little-endian PCM of any width -> 16-bit samples (keeping the top 16 bits)."""
    if width == 2:
        return _samples_from_le16(frames)
    count = len(frames) // width
    out = bytearray(2 * count)
    if width == 1:  # WAV 8-bit is unsigned: flip the sign bit, use as high byte
        out[1::2] = frames[:count].translate(bytes((b ^ 0x80) for b in range(256)))
    elif width in (3, 4):
        out[0::2] = frames[width - 2 : count * width : width]
        out[1::2] = frames[width - 1 : count * width : width]
    else:
        raise AudioFormatError(f"unsupported sample width: {width * 8} bits")
    return _samples_from_le16(bytes(out))


def _to_mono(samples: array, channels: int) -> array:
    if channels == 1:
        return samples
    if channels == 2:
        return array("h", [(a + b) >> 1 for a, b in zip(samples[0::2], samples[1::2], strict=False)])
    columns = [samples[c::channels] for c in range(channels)]
    return array("h", (sum(frame) // channels for frame in zip(*columns, strict=False)))


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear-interpolation resampling; good enough for speech clips, exact when rates match."""
    if pcm.rate == rate or not pcm.samples:
        return Pcm(rate, pcm.samples) if pcm.rate == rate else Pcm(rate, array("h"))
    src = pcm.samples
    if pcm.rate % rate == 0:  # 44100 -> 22050, 88200 -> 22050: average each block (a gentle low-pass)
        k = pcm.rate // rate
        usable = len(src) // k * k
        blocks = zip(*(src[offset:usable:k] for offset in range(k)), strict=True)
        return Pcm(rate, array("h", [sum(block) // k for block in blocks]))
    n_out = max(1, round(len(src) * rate / pcm.rate))
    step = pcm.rate / rate
    last = len(src) - 1
    out = array("h", bytes(2 * n_out))
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        if j >= last:
            out[i] = src[last]
        else:
            frac = pos - j
            out[i] = int(src[j] + (src[j + 1] - src[j]) * frac)
    return Pcm(rate, out)


def read_wav(source: bytes | str | Path, rate: int = RATE) -> Pcm:
    """Read a PCM WAV (path or bytes) and convert it to mono 16-bit at `rate`."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    try:
        handle = wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source), "rb")
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{name}: not a PCM WAV file ({exc})") from exc
    with handle:
        channels, width, file_rate = handle.getnchannels(), handle.getsampwidth(), handle.getframerate()
        frames = handle.readframes(handle.getnframes())
    try:
        samples = _to_mono(_to_16_bit(frames, width), channels)
    except AudioFormatError as exc:
        raise AudioFormatError(f"{name}: {exc}") from exc
    return resample(Pcm(file_rate, samples), rate)


def wav_bytes(pcm: Pcm) -> bytes:
    """A complete mono 16-bit WAV file."""
    samples = pcm.samples
    if not _LITTLE_ENDIAN:
        samples = array("h", samples)
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def write_wav(path: str | Path, pcm: Pcm) -> None:
    Path(path).write_bytes(wav_bytes(pcm))


def concatenate(items: Iterable[Pcm | Pause], rate: int = RATE) -> Pcm:
    """Join clips and pauses in order; clips at another rate are resampled first."""
    out = array("h")
    for item in items:
        if isinstance(item, Pause):
            out.frombytes(bytes(2 * round(rate * item.ms / 1000)))
        else:
            out.extend(item.samples if item.rate == rate else resample(item, rate).samples)
    return Pcm(rate, out)


def trim_silence(pcm: Pcm, threshold: float = 0.01, margin_ms: float = 15.0, fade_ms: float = 5.0) -> Pcm:
    """Cut leading and trailing silence (below `threshold` x peak, i.e. -40 dB), keep a margin, fade the edges.

    Trimming twice gives the same clip, so a pack's processed clips may be trimmed again.
    """
    samples = pcm.samples
    peak = pcm.peak
    if peak == 0:
        return Pcm(pcm.rate, array("h"))
    level = max(1, int(peak * threshold))
    start = next(i for i, s in enumerate(samples) if abs(s) >= level)
    end = len(samples) - next(i for i, s in enumerate(reversed(samples)) if abs(s) >= level)
    margin = round(pcm.rate * margin_ms / 1000)
    start, end = max(0, start - margin), min(len(samples), end + margin)
    return fade(Pcm(pcm.rate, samples[start:end]), fade_ms)


def fade(pcm: Pcm, ms: float) -> Pcm:
    """Linear fade in and out over `ms` at each end (avoids clicks where clips meet)."""
    samples = array("h", pcm.samples)
    n = min(round(pcm.rate * ms / 1000), len(samples) // 2)
    for i in range(n):
        gain = i / n
        samples[i] = int(samples[i] * gain)
        samples[-1 - i] = int(samples[-1 - i] * gain)
    return Pcm(pcm.rate, samples)


def rms(pcm: Pcm) -> float:
    if not pcm.samples:
        return 0.0
    return math.sqrt(sum(s * s for s in pcm.samples) / len(pcm.samples))


def dbfs(level: float) -> float:
    return 20 * math.log10(level / SAMPLE_MAX) if level > 0 else -math.inf


def normalise(pcm: Pcm, rms_dbfs: float = -20.0, peak_dbfs: float = -1.0) -> Pcm:
    """Scale to a target loudness (RMS, in dBFS) without letting the peak exceed `peak_dbfs`."""
    level = rms(pcm)
    if level == 0:
        return pcm
    gain = min(
        SAMPLE_MAX * 10 ** (rms_dbfs / 20) / level,
        SAMPLE_MAX * 10 ** (peak_dbfs / 20) / pcm.peak,
    )
    return Pcm(pcm.rate, array("h", [int(s * gain) for s in pcm.samples]))


def two_tone_chime(
    rate: int = RATE,
    tones: tuple[float, float] = (659.25, 523.25),
    spacing_s: float = 0.42,
    length_s: float = 1.5,
    peak_dbfs: float = -6.0,
) -> Pcm:
    """A soft "ding-dong": two bell-like notes (E5 then C5) with decaying overtones."""
    n = round(rate * length_s)
    mix = [0.0] * n
    partials = ((1.0, 1.0, 0.55), (2.0, 0.35, 0.30), (3.0, 0.12, 0.18), (4.2, 0.05, 0.10))
    attack = round(rate * 0.004)
    for index, freq in enumerate(tones):
        offset = round(rate * spacing_s * index)
        for i in range(n - offset):
            t = i / rate
            value = 0.0
            for ratio, amp, decay in partials:
                value += amp * math.exp(-t / decay) * math.sin(2 * math.pi * freq * ratio * t)
            if i < attack:
                value *= i / attack
            mix[offset + i] += value
    top = max(abs(v) for v in mix)
    scale = SAMPLE_MAX * 10 ** (peak_dbfs / 20) / top
    return fade(Pcm(rate, array("h", (int(v * scale) for v in mix))), 20)
