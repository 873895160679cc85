"""The committed default packs hold every clip an announcement can use, in the announced format."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from hardware.speaker.pack import VoicePack
from queue_server.domain.announcement import LANGS, vocabulary
from queue_server.services.announcements import DEFAULT_VOICE_DIR


@pytest.mark.parametrize("lang", LANGS)
def test_default_pack_has_every_clip_an_announcement_can_use(lang: str) -> None:
    pack = VoicePack([DEFAULT_VOICE_DIR / lang])
    assert pack.missing(sorted(vocabulary(lang))) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_script_manifest_and_files_agree(lang: str) -> None:
    folder = DEFAULT_VOICE_DIR / lang
    script = json.loads((folder / "script.json").read_text(encoding="utf-8"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["clips"]) == set(script["clips"])
    assert {p.name for p in folder.glob("*.wav")} == {c["file"] for c in manifest["clips"].values()}
    for name, entry in manifest["clips"].items():
        with wave.open(str(folder / entry["file"])) as handle:
            assert (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) == (1, 2, 22050), name
            duration_ms = 1000 * handle.getnframes() / handle.getframerate()
        assert abs(duration_ms - entry["duration_ms"]) <= 1, name
        assert 100 < duration_ms < 3000, name


def test_words_that_differ_only_by_tone_are_different_recordings() -> None:
    folder = DEFAULT_VOICE_DIR / "vi"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["clips"]
    for a, b in [("mười", "mươi"), ("một", "mốt"), ("năm", "lăm"), ("linh", "lẻ"), ("nghìn", "ngàn")]:
        assert (folder / manifest[a]["file"]).read_bytes() != (folder / manifest[b]["file"]).read_bytes()
        assert manifest[a]["espeak_phonemes"] != manifest[b]["espeak_phonemes"], (a, b)


def test_number_clips_were_spoken_from_words_not_digits() -> None:
    manifest = json.loads((DEFAULT_VOICE_DIR / "vi" / "script.json").read_text(encoding="utf-8"))
    for name, entry in manifest["clips"].items():
        assert not any(ch.isdigit() for ch in entry.get("espeak", entry["text"])), name


def test_default_packs_stay_small() -> None:
    total = sum(p.stat().st_size for p in Path(DEFAULT_VOICE_DIR).rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024
