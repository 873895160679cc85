"""The `motcua` command: one entry point for the server, the kiosk and the devices.

This module is the composition root: it is the one place that knows every room.
Each room contributes its sub-commands through a `register(subparsers)` function
in its own `cli` module, imported only when that room's command runs, so a kiosk
PC never loads the server and the server never loads Kivy.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command -> module with `register(subparsers)`; loaded lazily by name.
COMMAND_MODULES: dict[str, str] = {
    "init": "queue_server.cli.server",
    "serve": "queue_server.cli.server",
    "demo": "queue_server.cli.server",
    "user": "queue_server.cli.server",
    "device": "queue_server.cli.server",
    "config": "queue_server.cli.server",
    "printer": "hardware.cli",
    "announce": "queue_server.cli.announce",
    "agent": "queue_server.cli.agent",
    "catalog": "queue_server.cli.catalog",
    "calendar": "queue_server.cli.catalog",
    "dossier": "queue_server.cli.dossier",
    "backup": "queue_server.cli.maintenance",
    "restore": "queue_server.cli.maintenance",
    "purge": "queue_server.cli.maintenance",
    "report": "queue_server.cli.report",
    "kiosk": "kiosk.cli",
    "kiosk-pair": "kiosk.cli",
    "deploy": "queue_server.cli.deploy",
    "doctor": "queue_server.cli.deploy",
    "remote": "queue_server.cli.remote",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="motcua",
        description="Motcua: hệ thống xếp hàng cho Bộ phận một cửa / queue system for one-stop halls",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    seen: set[str] = set()
    for name, module_name in COMMAND_MODULES.items():
        if module_name in seen or (only is not None and name != only):
            continue
        seen.add(module_name)
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    only = first if first in COMMAND_MODULES else None
    parser = build_parser(only)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Exception as exc:  # a clear message for the people at the terminal, not a traceback
        message = _explain(exc)
        if message is None:
            raise
        print(f"motcua: {message}", file=sys.stderr)
        return 2


class CommandError(Exception):
    """A command cannot go on; its message (Vietnamese / English) is for the terminal as it is."""


def _explain(exc: Exception) -> str | None:
    from queue_server.config import ConfigError
    from queue_server.store.engine import DatabaseUnavailable

    if isinstance(exc, CommandError | ConfigError | DatabaseUnavailable):
        return str(exc)
    # a refusal that says why in both languages: a use case's (services.errors.ServiceError),
    # a backup's (store.backup.BackupError)
    vi, en = getattr(exc, "message_vi", None), getattr(exc, "message_en", None)
    if isinstance(vi, str) and isinstance(en, str):
        return f"{vi} / {en}"
    return None


if __name__ == "__main__":
    sys.exit(main())
