"""`motcua announce`: write (or play) the voice announcement of a call, and check a hall's voice pack.

    motcua announce --lang vi --code A012 --counter 3 --out call.wav
    motcua announce --lang vi --code A015 --counter 21 --dialect south --voice-dir /etc/motcua/voice --play
    motcua announce --lang vi --check --voice-dir /etc/motcua/voice

It prints the clips in order with their durations and where each comes from, the
total duration and what is said, so a pack can be checked without listening.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hardware.speaker import AudioOutputError, MissingClipsError, open_speaker, read_wav
from queue_server.domain.announcement import CODE_READINGS, LANGS, vocabulary
from queue_server.domain.number_words import DIALECTS
from queue_server.services.announcements import AnnouncementAudio


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "announce",
        help="write or play the voice announcement of a call / đọc số",
        description="Build the announcement 'Xin mời công dân có số thứ tự A012 đến quầy số 3' from the voice pack.",
    )
    parser.add_argument("--lang", choices=LANGS, default="vi", help="language (default vi)")
    parser.add_argument("--code", help="ticket code as displayed, e.g. A012")
    parser.add_argument("--counter", type=int, help="counter number, e.g. 3")
    parser.add_argument("--out", type=Path, help="write the WAV file here")
    parser.add_argument(
        "--play",
        nargs="?",
        const="local://",
        metavar="SPEAKER_URL",
        help="play it (default local://, the PC's sound device; or file:///dir)",
    )
    parser.add_argument("--dialect", choices=DIALECTS, default="north", help="Vietnamese numbers (default north)")
    parser.add_argument(
        "--code-reading",
        choices=CODE_READINGS,
        default="number",
        help="read A012 as 'A mười hai' (number, default) or 'A không một hai' (digits)",
    )
    parser.add_argument(
        "--voice-dir", type=Path, help="hall's own clips: DIR/<lang>/<clip>.wav, used before the default pack"
    )
    parser.add_argument(
        "--check", action="store_true", help="only report which clips the pack has, overrides and misses"
    )
    parser.set_defaults(func=run)


def _source_label(folder: Path, voice: AnnouncementAudio) -> str:
    return "default" if folder == voice.default_dir / folder.name else f"hall ({folder})"


def check(voice: AnnouncementAudio, lang: str) -> int:
    pack = voice.pack(lang)  # type: ignore[arg-type]
    needed = sorted(vocabulary(lang))  # type: ignore[arg-type]
    overridden = [n for n in needed if (s := pack.source(n)) and s.folder != pack.folders[-1]]
    missing = pack.missing(needed)
    print(f"voice pack {lang}: {len(needed)} clips needed; folders (first wins): {', '.join(map(str, pack.folders))}")
    print(f"  from the hall's folder: {', '.join(overridden) if overridden else '(none)'}")
    if missing:
        print(f"  MISSING: {', '.join(missing)}")
        return 2
    print("  complete")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.voice_dir is not None and not args.voice_dir.is_dir():
        print(f"error: voice folder does not exist: {args.voice_dir}", file=sys.stderr)
        return 2
    voice = AnnouncementAudio(voice_dir=args.voice_dir, dialect=args.dialect, code_reading=args.code_reading)
    if args.voice_dir is not None and len(voice.folders(args.lang)) == 1:
        print(f"note: {args.voice_dir / args.lang} does not exist; using the default pack only", file=sys.stderr)
    if args.check:
        return check(voice, args.lang)
    if args.code is None or args.counter is None:
        print("error: --code and --counter are required (or use --check)", file=sys.stderr)
        return 2
    if args.out is None and args.play is None:
        print("error: say where the sound goes: --out FILE.wav and/or --play", file=sys.stderr)
        return 2
    try:
        wav = voice.build(args.lang, args.code, args.counter)
    except (ValueError, MissingClipsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    pack = voice.pack(args.lang)
    options = f"{args.dialect}, {args.code_reading}" if args.lang == "vi" else args.code_reading
    print(f"{args.lang} {args.code} -> counter {args.counter} ({options})")
    for name in voice.clips(args.lang, args.code, args.counter):
        source = pack.source(name)
        assert source is not None  # build() checked every clip
        print(f"  {name:<12} {pack.clip(name).duration_ms:6.0f} ms  {_source_label(source.folder, voice)}")
    total_ms = read_wav(wav).duration_ms
    print(f"  total {total_ms / 1000:.2f} s: {voice.transcript(args.lang, args.code, args.counter)}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(wav)
        print(f"wrote {args.out} ({len(wav)} bytes)")
    if args.play is not None:
        try:
            open_speaker(args.play).play(wav)
        except (AudioOutputError, ValueError) as exc:
            print(f"error: cannot play: {exc}", file=sys.stderr)
            return 1
    return 0
