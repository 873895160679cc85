"""The audio of a call is its clips in order with pauses, built once and then served from cache."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from hardware.speaker import MissingClipsError, VoicePack, read_wav
from hardware.speaker.audio import RATE
from queue_server.domain.announcement import vocabulary
from queue_server.services import announcements
from queue_server.services.announcements import DEFAULT_VOICE_DIR, AnnouncementAudio
from tests.hardware.test_speaker_audio import make_wav, sine


def ms(n: float) -> int:
    return round(RATE * n / 1000)


def find(haystack, needle, start: int = 0) -> int:
    """Index of `needle` samples inside `haystack` samples (as bytes, aligned to samples)."""
    hay, pin = haystack.tobytes(), needle.tobytes()
    index = hay.find(pin, start * 2)
    while index % 2:
        index = hay.find(pin, index + 1)
    return index // 2 if index >= 0 else -1


def test_call_is_the_clips_in_order_with_pauses() -> None:
    voice = AnnouncementAudio()
    wav = voice.build("vi", "A015", 21)
    with wave.open(io.BytesIO(wav)) as handle:
        assert (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) == (1, 2, RATE)
    audio = read_wav(wav).samples
    pack = VoicePack([DEFAULT_VOICE_DIR / "vi"])
    names = ["chime", "invite", "A", "mười", "lăm", "to_counter", "hai", "mươi", "mốt"]
    assert voice.clips("vi", "A015", 21) == tuple(names)
    position = 0
    for name in names:
        found = find(audio, pack.clip(name).samples, position)
        assert found >= position, f"{name} missing or out of order"
        position = found + len(pack.clip(name).samples)
    clips_length = sum(len(pack.clip(n).samples) for n in names)
    pauses = 2 * ms(announcements.EDGE_MS) + ms(announcements.AFTER_CHIME_MS)
    pauses += 3 * ms(announcements.BETWEEN_PARTS_MS) + 4 * ms(announcements.BETWEEN_WORDS_MS)  # A·mười·lăm, hai·mươi·mốt
    assert len(audio) == clips_length + pauses


def test_english_and_southern_calls() -> None:
    voice = AnnouncementAudio(dialect="south")
    assert voice.transcript("vi", "B105", 24) == "Xin mời công dân có số thứ tự bê một trăm lẻ năm đến quầy số hai mươi tư"
    assert voice.transcript("vi", "B105", 24, dialect="north").endswith("linh năm đến quầy số hai mươi bốn")
    assert voice.transcript("en", "A012", 3) == "Ticket number A twelve please go to counter three"
    assert voice.transcript("vi", "A012", 3, code_reading="digits").endswith("a không một hai đến quầy số ba")


def test_same_sound_is_built_once_and_shared_by_equivalent_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    voice = AnnouncementAudio()
    first = voice.build("vi", "A012", 3)
    assert voice.key("vi", "a-012", 3) == voice.key("vi", "A012", 3)
    monkeypatch.setattr(voice, "_render", lambda *a: pytest.fail("rebuilt a cached announcement"))
    assert voice.build("vi", "a-012", 3) is first
    assert voice.key("vi", "A012", 4) != voice.key("vi", "A012", 3)
    assert voice.key("en", "A012", 3) != voice.key("vi", "A012", 3)


def test_disk_cache_survives_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wav = AnnouncementAudio(cache_dir=tmp_path / "cache").build("vi", "C123", 7)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"{AnnouncementAudio().key('vi', 'C123', 7)}.wav"]
    restarted = AnnouncementAudio(cache_dir=tmp_path / "cache")
    monkeypatch.setattr(restarted, "_render", lambda *a: pytest.fail("rebuilt what was on disk"))
    assert restarted.build("vi", "C123", 7) == wav


def test_unwritable_cache_dir_only_loses_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    voice = AnnouncementAudio(cache_dir=blocker / "cache")
    assert voice.build("vi", "A1", 1)[:4] == b"RIFF"


def test_disk_cache_is_bounded_so_public_requests_cannot_fill_the_disk(tmp_path: Path) -> None:
    voice = AnnouncementAudio(cache_dir=tmp_path / "cache", max_disk_files=10, max_cached=1)
    for number in range(1, 130):  # a stranger asking for every code in turn
        voice.build("vi", f"A{number}", 1)
    assert len(list((tmp_path / "cache").glob("*.wav"))) <= 10 + 64  # pruned every 64 writes


def test_memory_cache_is_bounded() -> None:
    voice = AnnouncementAudio(max_cached=2)
    for counter in (1, 2, 3):
        voice.build("vi", "A1", counter)
    assert len(voice._memory) == 2
    assert voice.key("vi", "A1", 1) not in voice._memory


def test_hall_clips_replace_default_ones_and_reload_picks_up_changes(tmp_path: Path) -> None:
    hall = tmp_path / "voice"
    (hall / "vi").mkdir(parents=True)
    voice = AnnouncementAudio(voice_dir=hall)
    before_key, before = voice.key("vi", "A10", 3), voice.build("vi", "A10", 3)
    # the hall records its own "mười" at 44.1 kHz stereo
    (hall / "vi" / "mười.wav").write_bytes(make_wav(sine(330, 0.4, 44100), 44100, 2, 2))
    assert voice.build("vi", "A10", 3) is before  # unchanged until reload
    voice.reload()
    assert voice.pack("vi").source("mười").folder == hall / "vi"
    assert voice.pack("vi").source("ba").folder == DEFAULT_VOICE_DIR / "vi"
    assert voice.key("vi", "A10", 3) != before_key
    after = voice.build("vi", "A10", 3)
    assert after != before
    assert voice.folders("en") == [DEFAULT_VOICE_DIR / "en"]  # no English clips recorded: default only


def test_incomplete_pack_names_the_missing_clips(tmp_path: Path) -> None:
    partial = tmp_path / "default" / "vi"
    partial.mkdir(parents=True)
    for name in ("chime", "invite", "A", "mười", "to_counter", "ba"):
        (partial / f"{name}.wav").write_bytes((DEFAULT_VOICE_DIR / "vi" / f"{name}.wav").read_bytes())
    voice = AnnouncementAudio(default_dir=tmp_path / "default")
    assert voice.build("vi", "A10", 3)[:4] == b"RIFF"
    with pytest.raises(MissingClipsError) as error:
        voice.build("vi", "A15", 21)
    assert error.value.missing == ["lăm", "hai", "mươi", "mốt"]
    assert "lăm" in voice.missing_clips("vi") and "chime" not in voice.missing_clips("vi")


def test_codes_that_cannot_be_spoken_are_refused() -> None:
    with pytest.raises(ValueError):
        AnnouncementAudio().build("vi", "A#1", 3)
    with pytest.raises(ValueError, match="language"):
        AnnouncementAudio().build("fr", "A1", 3)  # type: ignore[arg-type]


def test_preload_reads_every_clip_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    voice = AnnouncementAudio()
    assert voice.preload("vi") == len(vocabulary("vi"))
    monkeypatch.setattr("hardware.speaker.pack.read_wav", lambda *a: pytest.fail("read a clip after preload"))
    assert voice.build("vi", "Z9999", 99)[:4] == b"RIFF"
