"""Kiosk configuration: one TOML file plus environment overrides, defaults that need neither.

Precedence (last wins): defaults < the `[kiosk]` table of a TOML file (``--config`` or
``MOTCUA_KIOSK_CONFIG``, else ``MOTCUA_CONFIG``: a hall can keep the server's and the
kiosk's settings in one file) < environment ``MOTCUA_KIOSK_<KEY>`` < command line.

    [kiosk]
    server_url = "http://10.0.0.2:8000"
    device_token = "mcd_..."            # or device_token_file = "/etc/motcua/kiosk.token"
    printer_url = "tcp://10.0.0.5:9100"
    printer_profile = "TM-T20II"
    printer_width_mm = 80
    orientation = "portrait"            # portrait 1080x1920 | landscape 1920x1080
    language = "vi"
    idle_timeout_s = 45

The kiosk never imports the server; this mirrors queue_server/config.py on purpose.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


class KioskConfigError(ValueError):
    """A configuration value is wrong; the message names the key and where it came from."""


SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


@dataclass
class KioskConfig:
    server_url: str = "http://127.0.0.1:8000"
    device_token: str = ""
    device_token_file: str = ""  # a file holding the token, or the demo's demo-devices.json
    site: str = ""  # site code; empty: the device's own site
    printer_url: str = ""  # empty: no printer (the screen shows the number only)
    printer_profile: str = ""
    printer_width_mm: int = 80
    orientation: str = "portrait"
    fullscreen: bool = False
    language: str = "vi"
    idle_timeout_s: int = 45
    cache_dir: str = ""  # default: ~/.cache/motcua-kiosk
    connect_timeout_s: float = 1.5
    request_timeout_s: float = 4.0
    health_interval_s: float = 5.0
    hall_name: str = ""  # shown before the server has been reached once

    @property
    def size(self) -> tuple[int, int]:
        return SIZES[self.orientation]

    @property
    def effective_cache_dir(self) -> Path:
        if self.cache_dir:
            return Path(self.cache_dir)
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "motcua-kiosk"

    def token(self) -> str:
        """The device token, from `device_token` or `device_token_file` (plain text, or the
        demo's JSON `{"kiosk": {"token": ...}}`)."""
        if self.device_token:
            return self.device_token
        if not self.device_token_file:
            return ""
        path = Path(self.device_token_file)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KioskConfigError(f"device_token_file {path}: {exc.strerror}") from None
        if text.startswith("{"):
            try:
                return str(json.loads(text)["kiosk"]["token"])
            except (ValueError, KeyError, TypeError):
                raise KioskConfigError(f"device_token_file {path}: no kiosk.token in this JSON") from None
        return text


_CHOICES = {"orientation": set(SIZES), "language": {"vi", "en"}, "printer_width_mm": {58, 80}}


def _coerce(name: str, raw: Any, kind: str, source: str) -> Any:
    try:
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind in ("int", "float"):
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw) if kind == "int" else float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise KioskConfigError(f"{source}: {name} = {raw!r} is not a valid {kind}") from None


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
                **overrides: Any) -> KioskConfig:
    """Build the kiosk's configuration from defaults, TOML, environment and overrides."""
    env = dict(os.environ if env is None else env)
    config = KioskConfig()
    known = {f.name: str(f.type) for f in fields(KioskConfig)}
    path = path or env.get("MOTCUA_KIOSK_CONFIG") or env.get("MOTCUA_CONFIG")
    if path:
        p = Path(path)
        if not p.exists():
            raise KioskConfigError(f"config file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise KioskConfigError(f"{p}: {exc}") from None
        table = data.get("kiosk", {})
        if not isinstance(table, dict):
            raise KioskConfigError(f"{p}: [kiosk] must be a table")
        for key, value in table.items():
            if key not in known:
                raise KioskConfigError(f"{p}: unknown key kiosk.{key} (known: {', '.join(sorted(known))})")
            setattr(config, key, _coerce(key, value, known[key], str(p)))
    for key, kind in known.items():
        env_key = f"MOTCUA_KIOSK_{key.upper()}"
        if env_key in env:
            setattr(config, key, _coerce(key, env[env_key], kind, f"environment {env_key}"))
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in known:
            raise KioskConfigError(f"unknown kiosk setting {key!r}")
        setattr(config, key, _coerce(key, value, known[key], "command line"))
    for key, allowed in _CHOICES.items():
        if getattr(config, key) not in allowed:
            raise KioskConfigError(f"{key} must be one of {sorted(allowed, key=str)}, got {getattr(config, key)!r}")
    if config.idle_timeout_s < 5:
        raise KioskConfigError(f"idle_timeout_s must be at least 5 seconds, got {config.idle_timeout_s}")
    config.server_url = config.server_url.rstrip("/")
    return config
