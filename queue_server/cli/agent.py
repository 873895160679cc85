"""`motcua agent`: run the hall device agent (LED counter displays, keypads, speakers).

    motcua agent --server http://10.0.0.2:8000 --token-file /etc/motcua/agent.token \\
        --display "serial:///dev/ttyUSB0?address=1" --display "serial:///dev/ttyUSB0?address=2" \\
        --keypad serial:///dev/ttyUSB1 --speaker local://

    motcua agent --config /etc/motcua/agent.toml

A display is `URL` (the board's address is its counter) or `COUNTER=URL`; a keypad line's
keypads work the counter of their address unless `--keypad-map ADDRESS=COUNTER` says
otherwise. The token comes from --token, --token-file or $MOTCUA_AGENT_TOKEN (a device of
kind "agent": `motcua device add "Máy sảnh" --kind agent`). The TOML file holds the same:

    server = "http://10.0.0.2:8000"
    token_file = "/etc/motcua/agent.token"
    speaker = "local://"
    languages = ["vi", "en"]
    displays = ["serial:///dev/ttyUSB0?address=1", "5=serial:///dev/ttyUSB0?address=9"]
    keypads = ["serial:///dev/ttyUSB1"]
    keypad_map = ["7=3"]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from hardware.serial_url import SerialDeviceError
from queue_server.domain.announcement import LANGS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("agent", help="drive the hall's LED displays, keypads and speakers from the server",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, help="TOML file with the settings below")
    p.add_argument("--server", help="the queue server, e.g. http://10.0.0.2:8000")
    p.add_argument("--token", help="the agent device's token (prefer --token-file or $MOTCUA_AGENT_TOKEN)")
    p.add_argument("--token-file", type=Path, help="file holding the agent device's token")
    p.add_argument("--display", action="append", default=[], metavar="[COUNTER=]URL",
                   help="an LED board, e.g. 'serial:///dev/ttyUSB0?address=3' (repeatable)")
    p.add_argument("--keypad", action="append", default=[], metavar="URL",
                   help="a serial line with clerk keypads, e.g. serial:///dev/ttyUSB1 (repeatable)")
    p.add_argument("--keypad-map", action="append", default=[], metavar="ADDRESS=COUNTER",
                   help="keypad ADDRESS works COUNTER (default: the counter of the same number)")
    p.add_argument("--speaker", help="local:// (this PC's sound), file:///dir, sim:// or none (default none)")
    p.add_argument("--lang", action="append", choices=LANGS, dest="languages",
                   help="announcement languages in order (default vi; repeat for vi then en)")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=run)


def _file_settings(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"motcua agent: cannot read {path}: {exc}") from None


def build_config(args: argparse.Namespace, env: dict[str, str] | None = None):  # noqa: ANN201
    """The agent's configuration from the TOML file, then the command line (which wins)."""
    from queue_server.agent import AgentConfig, KeypadBinding, parse_display, parse_keypad_map

    env = dict(os.environ if env is None else env)
    file = _file_settings(args.config)
    server = args.server or file.get("server")
    if not server:
        raise ValueError("say which server to follow: --server http://HOST:PORT")
    token = args.token or env.get("MOTCUA_AGENT_TOKEN") or file.get("token")
    token_file = args.token_file or (Path(file["token_file"]) if file.get("token_file") else None)
    if not token and token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
    if not token:
        raise ValueError("the agent needs its device token: --token-file FILE, $MOTCUA_AGENT_TOKEN or --token")
    displays = [parse_display(d) for d in [*file.get("displays", []), *args.display]]
    mapping = parse_keypad_map([*file.get("keypad_map", []), *args.keypad_map])
    keypads = [KeypadBinding(url, mapping) for url in [*file.get("keypads", []), *args.keypad]]
    languages = tuple(args.languages or file.get("languages") or ("vi",))
    for lang in languages:
        if lang not in LANGS:
            raise ValueError(f"unknown announcement language {lang!r} (choose from {', '.join(LANGS)})")
    return AgentConfig(server=server, token=token, displays=displays, keypads=keypads,
                       speaker=args.speaker or file.get("speaker", "none"), languages=languages)


def run(args: argparse.Namespace) -> int:
    from queue_server.agent import HallAgent

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = build_config(args)
        agent = HallAgent(config)
    except (ValueError, OSError, SerialDeviceError) as exc:
        print(f"motcua agent: {exc}", file=sys.stderr)
        return 2
    print(f"Máy điều khiển sảnh / hall agent: {config.server}; {len(config.displays)} LED displays, "
          f"{len(config.keypads)} keypad lines, speaker {config.speaker}", flush=True)
    agent.run_forever()
    return 0
