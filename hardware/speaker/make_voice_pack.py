"""Generate a voice pack from its script with espeak-ng: one trimmed, normalised WAV per clip.

    python -m hardware.speaker.make_voice_pack assets/voice/vi [assets/voice/en ...]

Each pack folder holds a ``script.json``: the espeak-ng voice and, for every clip
name, the ``text`` it says (what a hall reads aloud when recording its own
clips) and optionally the ``espeak`` input to use instead (spelled-out words,
never digits: espeak-ng reads "15" and "1000" wrongly in Vietnamese), or
``"chime": true`` for the synthesised two-tone chime. The script writes
``<name>.wav`` (mono, 16-bit, 22050 Hz) for each clip and a ``manifest.json``,
and removes clips the previous manifest listed that the script no longer has.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

from hardware.speaker.audio import RATE, Pcm, normalise, read_wav, trim_silence, two_tone_chime, write_wav
from hardware.speaker.pack import MANIFEST, MANIFEST_FORMAT, read_manifest

SCRIPT = "script.json"


class PackError(RuntimeError):
    pass


def espeak_version(espeak: str) -> str:
    out = subprocess.run([espeak, "--version"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split()[:4]).rstrip(":")  # "eSpeak NG text-to-speech: 1.51" -> without the colon


def speak(espeak: str, text: str, voice: str, speed: int, pitch: int) -> Pcm:
    """espeak-ng's rendering of `text` as PCM (it writes 22050 Hz mono WAV)."""
    result = subprocess.run(
        [espeak, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0 or not result.stdout:
        raise PackError(f"espeak-ng failed for {text!r}: {result.stderr.decode(errors='replace').strip()}")
    return read_wav(result.stdout, RATE)


def phonemes(espeak: str, text: str, voice: str) -> str:
    """espeak-ng's phoneme reading of `text`: lets a reviewer check a clip without listening."""
    result = subprocess.run(
        [espeak, "-v", voice, "-q", "-x"], input=text.encode("utf-8"), capture_output=True, check=False
    )
    return " ".join(result.stdout.decode(errors="replace").split())


def make_pack(folder: Path, espeak: str = "espeak-ng", log=print) -> dict:
    """Render every clip of `folder`/script.json; return the manifest written."""
    script = json.loads((folder / SCRIPT).read_text(encoding="utf-8"))
    voice = script["espeak_voice"]
    speed, pitch = int(script.get("espeak_speed", 150)), int(script.get("espeak_pitch", 50))
    if shutil.which(espeak) is None:
        raise PackError(f"{espeak} not found on PATH (Debian: apt-get install espeak-ng)")
    old = read_manifest(folder)
    clips: dict[str, dict] = {}
    for raw_name, entry in script["clips"].items():
        name = unicodedata.normalize("NFC", raw_name)
        record = {"file": f"{name}.wav", "text": entry["text"]}
        if entry.get("chime"):
            pcm = two_tone_chime()
        else:
            said = entry.get("espeak", entry["text"])
            pcm = normalise(trim_silence(speak(espeak, said, voice, speed, pitch)))
            record["espeak_phonemes"] = phonemes(espeak, said, voice)
        if not pcm.samples:
            raise PackError(f"clip {name!r} came out silent")
        write_wav(folder / record["file"], pcm)
        size = (folder / record["file"]).stat().st_size
        clips[name] = {**record, "duration_ms": round(pcm.duration_ms), "bytes": size}
        log(f"{folder.name}/{record['file']:<16} {pcm.duration_ms:7.0f} ms  {entry['text']}")
    if old is not None:
        for name, entry in old["clips"].items():
            if name not in clips and (folder / entry["file"]).is_file():
                (folder / entry["file"]).unlink()
                log(f"removed {folder.name}/{entry['file']}")
    manifest = {
        "format": MANIFEST_FORMAT,
        "lang": script["lang"],
        "rate": RATE,
        "channels": 1,
        "sample_width": 2,
        "processed": True,
        "generator": {
            "tool": espeak_version(espeak),
            "voice": voice,
            "speed": speed,
            "pitch": pitch,
            "script": "hardware/speaker/make_voice_pack.py",
        },
        "clips": clips,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = sum((folder / c["file"]).stat().st_size for c in clips.values())
    log(f"{folder}: {len(clips)} clips, {size / 1024:.0f} KiB")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware.speaker.make_voice_pack",
        description="Generate voice pack clips from each folder's script.json with espeak-ng.",
    )
    parser.add_argument("folders", nargs="+", type=Path, help="pack folders, e.g. assets/voice/vi")
    parser.add_argument("--espeak", default="espeak-ng", help="espeak-ng executable (default: espeak-ng)")
    args = parser.parse_args(argv)
    try:
        for folder in args.folders:
            make_pack(folder, args.espeak)
    except (PackError, OSError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
