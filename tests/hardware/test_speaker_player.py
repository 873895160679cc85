"""Speakers by URL; without a player or a sound card, playing fails with a clear reason."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from hardware.speaker.audio import RATE, Pcm, silence, wav_bytes
from hardware.speaker.player import (
    AudioOutputError,
    FileSpeaker,
    LocalSpeaker,
    SimSpeaker,
    Speaker,
    open_speaker,
    play_wav,
)

WAV = wav_bytes(silence(50))


def fake_player(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_sim_speaker_remembers_what_it_played() -> None:
    speaker = open_speaker("sim://")
    assert isinstance(speaker, SimSpeaker)
    speaker.play(WAV)
    speaker.play(WAV)
    assert speaker.played == [WAV, WAV]


def test_file_speaker_writes_numbered_wavs(tmp_path: Path) -> None:
    speaker = open_speaker((tmp_path / "spoken").as_uri())
    assert isinstance(speaker, FileSpeaker)
    speaker.play(WAV)
    speaker.play(WAV)
    assert sorted(p.name for p in (tmp_path / "spoken").iterdir()) == ["0001.wav", "0002.wav"]


def test_unknown_speaker_url_is_refused() -> None:
    with pytest.raises(ValueError, match="local://"):
        open_speaker("bluetooth://hall")


def test_no_player_on_path_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    speaker = open_speaker("local://")
    assert isinstance(speaker, LocalSpeaker) and not speaker.available()
    with pytest.raises(AudioOutputError, match="no audio player"):
        speaker.play(WAV)


def test_no_sound_card_reports_the_players_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_player(tmp_path, "aplay", 'echo "aplay: main:831: audio open error: No such file or directory" >&2; exit 1')
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AudioOutputError, match="audio open error"):
        play_wav(WAV)


def test_player_and_device_are_chosen_by_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "args.txt"
    fake_player(tmp_path / "bin", "aplay", "exit 9")
    fake_player(tmp_path / "bin", "paplay", f'echo "$@" > {log}; /bin/cat "$2" > {log}.wav')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    open_speaker("local://?player=paplay&device=hall_speakers").play(WAV)
    assert log.read_text().startswith("--device=hall_speakers ")
    assert Path(f"{log}.wav").read_bytes() == WAV


def test_sounds_never_overlap_on_one_speaker() -> None:
    intervals: list[tuple[float, float]] = []

    class Slow(Speaker):
        def _play(self, wav: bytes) -> None:
            start = time.monotonic()
            time.sleep(0.02)
            intervals.append((start, time.monotonic()))

    speaker = Slow()
    threads = [threading.Thread(target=speaker.play, args=(WAV,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    intervals.sort()
    assert len(intervals) == 4
    assert all(end <= next_start for (_, end), (next_start, _) in zip(intervals, intervals[1:], strict=False))


def test_real_player_without_sound_card_does_not_crash() -> None:
    """On this machine there may be no sound card: either it plays or it says why."""
    if not LocalSpeaker().available():
        pytest.skip("no aplay/paplay/play on PATH")
    try:
        play_wav(wav_bytes(Pcm(RATE, silence(20).samples)))
    except AudioOutputError as exc:
        assert str(exc)
    assert os.environ  # reached: no other exception escaped
