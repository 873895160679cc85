"""Clips of any PCM format become mono 16-bit 22050 Hz; joining, trimming and the chime behave."""

from __future__ import annotations

import io
import math
import struct
import wave
from array import array

import pytest

from hardware.speaker.audio import (
    RATE,
    AudioFormatError,
    Pause,
    Pcm,
    concatenate,
    dbfs,
    normalise,
    read_wav,
    rms,
    trim_silence,
    two_tone_chime,
    wav_bytes,
)


def sine(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> list[float]:
    return [amplitude * math.sin(2 * math.pi * freq * i / rate) for i in range(round(seconds * rate))]


def make_wav(values: list[float], rate: int, width: int = 2, channels: int = 1) -> bytes:
    """A WAV file in any PCM format; stereo puts the signal on the left, silence on the right."""
    frames = bytearray()
    for v in values:
        for channel in range(channels):
            x = v if channel == 0 else 0.0
            if width == 1:
                frames += bytes([int(128 + x * 127)])
            elif width == 2:
                frames += struct.pack("<h", int(x * 32767))
            elif width == 3:
                frames += struct.pack("<i", int(x * 8388607))[:3]
            else:
                frames += struct.pack("<i", int(x * 2147483647))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def zero_crossings(samples: array) -> int:
    return sum(1 for a, b in zip(samples, samples[1:], strict=False) if (a < 0) != (b < 0))


def tone_level(pcm: Pcm, freq: float, start_s: float, end_s: float) -> float:
    """Goertzel magnitude of `freq` in a window: how loud that note is there."""
    samples = pcm.samples[round(start_s * pcm.rate) : round(end_s * pcm.rate)]
    coeff = 2 * math.cos(2 * math.pi * freq / pcm.rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return math.sqrt(max(0.0, s1 * s1 + s2 * s2 - coeff * s1 * s2)) / len(samples)


@pytest.mark.parametrize(
    ("rate", "width", "channels"),
    [(22050, 2, 1), (44100, 2, 2), (48000, 3, 1), (16000, 1, 1), (22050, 4, 2), (8000, 2, 1), (32000, 2, 3)],
)
def test_any_pcm_wav_is_read_as_mono_16_bit_at_22050(rate: int, width: int, channels: int) -> None:
    pcm = read_wav(make_wav(sine(440, 0.5, rate), rate, width, channels))
    assert pcm.rate == RATE
    assert abs(pcm.duration_ms - 500) < 1
    # still a 440 Hz tone: 880 zero crossings per second
    assert abs(zero_crossings(pcm.samples) - 440) <= 4
    expected_peak = 0.5 * 32767 / channels  # stereo is averaged with a silent right channel
    assert abs(pcm.peak - expected_peak) < 0.03 * expected_peak


def test_not_a_wav_is_refused_with_its_name(tmp_path) -> None:
    bad = tmp_path / "mười.wav"
    bad.write_bytes(b"ID3 this is an mp3")
    with pytest.raises(AudioFormatError, match="mười.wav"):
        read_wav(bad)


def test_written_wav_reads_back_identically() -> None:
    pcm = Pcm(RATE, array("h", [0, 1000, -1000, 32767, -32768]))
    data = wav_bytes(pcm)
    with wave.open(io.BytesIO(data)) as handle:
        assert (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) == (1, 2, RATE)
    assert read_wav(data).samples == pcm.samples


def test_concatenate_keeps_order_and_inserts_pauses() -> None:
    a = Pcm(RATE, array("h", [100] * 10))
    b = Pcm(RATE, array("h", [-200] * 5))
    joined = concatenate([a, Pause(1000), b])
    assert len(joined.samples) == 10 + RATE + 5
    assert list(joined.samples[:10]) == [100] * 10
    assert set(joined.samples[10 : 10 + RATE]) == {0}
    assert list(joined.samples[-5:]) == [-200] * 5


def test_concatenate_resamples_clips_at_another_rate() -> None:
    other = read_wav(make_wav(sine(300, 0.2, 44100), 44100), rate=44100)
    joined = concatenate([other])
    assert joined.rate == RATE and abs(joined.duration_ms - 200) < 1


def test_trim_cuts_silence_keeps_a_margin_and_is_stable() -> None:
    voice = [0.0] * 11025 + sine(200, 0.3, RATE) + [0.0] * 22050
    pcm = read_wav(make_wav(voice, RATE))
    trimmed = trim_silence(pcm)
    assert 300 < trimmed.duration_ms < 340  # 0.3 s of sound + 15 ms margins
    assert trimmed.samples[0] == 0 and trimmed.samples[-1] == 0  # faded edges: no click
    assert trim_silence(trimmed).samples == trimmed.samples


def test_trim_of_silence_is_empty() -> None:
    assert len(trim_silence(Pcm(RATE, array("h", bytes(2000)))).samples) == 0


def test_normalise_reaches_the_target_loudness_without_clipping() -> None:
    quiet = read_wav(make_wav(sine(300, 0.5, RATE, amplitude=0.01), RATE))
    louder = normalise(quiet, rms_dbfs=-20)
    assert abs(dbfs(rms(louder)) - -20) < 0.2
    spiky = Pcm(RATE, array("h", [0] * 1000 + [30000] + [0] * 1000))
    assert dbfs(normalise(spiky, rms_dbfs=-3, peak_dbfs=-1).peak) <= -1 + 0.01


def test_chime_rings_two_notes_high_then_low() -> None:
    chime = two_tone_chime()
    high, low = 659.25, 523.25
    assert tone_level(chime, high, 0.05, 0.35) > 5 * tone_level(chime, low, 0.05, 0.35)
    assert tone_level(chime, low, 0.5, 0.9) > tone_level(chime, low, 0.05, 0.35) * 5
    assert dbfs(chime.peak) <= -5.9  # below the speech peaks, not a blast
