"""The default pack is regenerated from its script with espeak-ng: trimmed, normalised, with a manifest."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from hardware.speaker.audio import RATE, dbfs, read_wav, rms
from hardware.speaker.make_voice_pack import main
from hardware.speaker.pack import VoicePack


@pytest.fixture
def espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("espeak-ng is required in CI (make system-deps)")
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng)")
    return path


def test_pack_is_generated_from_its_script(tmp_path: Path, espeak: str) -> None:
    folder = tmp_path / "vi"
    folder.mkdir()
    script = {
        "lang": "vi",
        "espeak_voice": "vi",
        "clips": {
            "chime": {"text": "(chuông)", "chime": True},
            "mười": {"text": "mười"},
            "lăm": {"text": "lăm"},
            "to_counter": {"text": "đến quầy số", "espeak": "đến quầy số,"},
        },
    }
    (folder / "script.json").write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")
    (folder / "old.wav").write_bytes(b"")
    (folder / "manifest.json").write_text(
        json.dumps({"format": "motcua-voice-pack/1", "clips": {"old": {"file": "old.wav"}}}), encoding="utf-8"
    )

    assert main([str(folder), "--espeak", espeak]) == 0

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["clips"]) == {"chime", "mười", "lăm", "to_counter"}
    assert not (folder / "old.wav").exists()  # a clip the script dropped is removed
    assert manifest["processed"] is True and manifest["rate"] == RATE
    for name, entry in manifest["clips"].items():
        pcm = read_wav(folder / entry["file"])
        assert abs(pcm.duration_ms - entry["duration_ms"]) <= 1
        assert 100 < pcm.duration_ms < 2000, name
        if name != "chime":
            assert abs(dbfs(rms(pcm)) - -20) < 0.5 or dbfs(pcm.peak) > -1.1, name
    # the words espeak spoke are the words, not digits it would misread
    assert manifest["clips"]["mười"]["espeak_phonemes"] != manifest["clips"]["lăm"]["espeak_phonemes"]
    assert VoicePack([folder]).missing(["chime", "mười", "lăm", "to_counter"]) == []


def test_missing_espeak_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "vi"
    folder.mkdir()
    (folder / "script.json").write_text(json.dumps({"lang": "vi", "espeak_voice": "vi", "clips": {}}))
    assert main([str(folder), "--espeak", "no-such-espeak"]) == 1
    assert "no-such-espeak not found" in capsys.readouterr().err
