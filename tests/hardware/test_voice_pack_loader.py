"""A hall's own clips are used first, the default pack fills the gaps, missing clips are named."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from hardware.speaker.audio import RATE, dbfs, read_wav, rms
from hardware.speaker.pack import MANIFEST_FORMAT, MissingClipsError, VoicePack
from tests.hardware.test_speaker_audio import make_wav, sine


def write_pack(folder: Path, clips: dict[str, float], manifest: bool = True) -> Path:
    """A pack whose clip `name` is a tone of the given frequency (processed, as make_voice_pack writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name, freq in clips.items():
        (folder / f"{name}.wav").write_bytes(make_wav(sine(freq, 0.2, RATE), RATE))
        entries[name] = {"file": f"{name}.wav", "text": name}
    if manifest:
        (folder / "manifest.json").write_text(
            json.dumps({"format": MANIFEST_FORMAT, "processed": True, "clips": entries}, ensure_ascii=False),
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def default(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "default" / "vi", {"chime": 1000, "mười": 300, "lăm": 400, "A": 500})


def test_hall_clip_wins_and_default_fills_the_rest(tmp_path: Path, default: Path) -> None:
    hall = tmp_path / "hall" / "vi"
    hall.mkdir(parents=True)
    (hall / "mười.wav").write_bytes(make_wav([0.0] * 4410 + sine(250, 0.5, 44100, 0.05), 44100, 2, 2))
    pack = VoicePack([hall, default])
    assert pack.source("mười").folder == hall
    assert pack.source("lăm").folder == default
    assert pack.text("lăm") == "lăm"
    # the hall's recording (44.1 kHz stereo, quiet, with a lead-in) is converted, trimmed and normalised
    clip = pack.clip("mười")
    assert clip.rate == RATE
    assert clip.duration_ms < 540
    assert abs(dbfs(rms(clip)) - -20) < 0.5
    # default clips are already processed and come back exactly as stored
    assert pack.clip("lăm").samples == read_wav(default / "lăm.wav").samples


def test_missing_clips_are_all_named_with_the_folders_searched(tmp_path: Path, default: Path) -> None:
    pack = VoicePack([default])
    with pytest.raises(MissingClipsError) as error:
        pack.clips(["chime", "mươi", "A", "mốt", "mươi"])
    assert error.value.missing == ["mươi", "mốt"]
    assert str(default) in str(error.value) and "'mươi'" in str(error.value)


def test_nfd_file_names_and_lower_case_letters_are_found(tmp_path: Path, default: Path) -> None:
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / (unicodedata.normalize("NFD", "mươi") + ".wav")).write_bytes(make_wav(sine(300, 0.2, RATE), RATE))
    (hall / "b.WAV").write_bytes(make_wav(sine(300, 0.2, RATE), RATE))
    pack = VoicePack([hall, default])
    assert pack.source("mươi").folder == hall
    assert pack.source("B").folder == hall
    assert pack.missing(["mươi", "B", "mười"]) == []


def test_a_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        VoicePack([tmp_path / "nowhere"])


def test_fingerprint_changes_when_a_clip_is_replaced(tmp_path: Path, default: Path) -> None:
    before = VoicePack([default]).fingerprint()
    assert VoicePack([default]).fingerprint() == before
    (default / "lăm.wav").write_bytes(make_wav(sine(450, 0.3, RATE), RATE))
    assert VoicePack([default]).fingerprint() != before


def test_a_clip_re_recorded_over_a_copied_pack_is_processed(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    write_pack(folder, {"mười": 300, "lăm": 400})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["clips"].values():
        entry["bytes"] = (folder / entry["file"]).stat().st_size
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    # the hall records a quiet "mười" with a second of silence before it, over the copied file
    (folder / "mười.wav").write_bytes(make_wav([0.0] * RATE + sine(300, 0.3, RATE, 0.02), RATE))
    pack = VoicePack([folder])
    assert pack.clip("mười").duration_ms < 400
    assert abs(dbfs(rms(pack.clip("mười"))) - -20) < 0.5
    assert pack.clip("lăm").samples == read_wav(folder / "lăm.wav").samples  # untouched clip kept as is
