"""`motcua announce` writes the call's audio and says what it put in it."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from queue_server.cli import main


def test_announce_writes_a_wav_and_lists_the_clips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "call.wav"
    assert main(["announce", "--lang", "vi", "--code", "A012", "--counter", "3", "--out", str(out)]) == 0
    with wave.open(str(out)) as handle:
        assert (handle.getnchannels(), handle.getframerate()) == (1, 22050)
        assert handle.getnframes() / 22050 > 3
    printed = capsys.readouterr().out
    clip_lines = [line.split()[0] for line in printed.splitlines() if line.startswith("  ") and " ms " in line]
    assert clip_lines == ["chime", "invite", "A", "mười", "hai", "to_counter", "ba"]
    assert "Xin mời công dân có số thứ tự a mười hai đến quầy số ba" in printed


def test_announce_south_english_and_hall_clips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "call.wav"
    assert main(["announce", "--code", "B105", "--counter", "24", "--dialect", "south", "--out", str(out)]) == 0
    assert "một trăm lẻ năm đến quầy số hai mươi tư" in capsys.readouterr().out
    assert main(["announce", "--lang", "en", "--code", "A12", "--counter", "3", "--out", str(out)]) == 0
    assert "Ticket number A twelve please go to counter three" in capsys.readouterr().out
    hall = tmp_path / "hall"
    (hall / "vi").mkdir(parents=True)
    default_ba = Path(__file__).resolve().parents[2] / "assets" / "voice" / "vi" / "ba.wav"
    (hall / "vi" / "ba.wav").write_bytes(default_ba.read_bytes())
    assert main(["announce", "--code", "A1", "--counter", "3", "--voice-dir", str(hall), "--out", str(out)]) == 0
    ba_line = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("ba "))
    assert "hall" in ba_line


def test_announce_refuses_what_it_cannot_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.wav"
    assert main(["announce", "--code", "A#1", "--counter", "3", "--out", str(out)]) == 2
    assert "cannot be announced" in capsys.readouterr().err
    assert main(["announce", "--code", "A1", "--counter", "3"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["announce", "--code", "A1", "--counter", "3", "--voice-dir", str(tmp_path / "no")]) == 2
    assert not out.exists()


def test_announce_plays_on_a_speaker_or_says_why_not(tmp_path: Path, capsys, monkeypatch) -> None:
    assert main(["announce", "--code", "A1", "--counter", "3", "--play", (tmp_path / "spk").as_uri()]) == 0
    assert [p.name for p in (tmp_path / "spk").iterdir()] == ["0001.wav"]
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["announce", "--code", "A1", "--counter", "3", "--play"]) == 1
    assert "no audio player" in capsys.readouterr().err


def test_check_reports_a_complete_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["announce", "--lang", "en", "--check"]) == 0
    assert "complete" in capsys.readouterr().out
