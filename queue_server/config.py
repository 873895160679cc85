"""Configuration: one TOML file plus environment overrides, with defaults that need neither.

Precedence (last wins): built-in defaults < TOML file (``--config`` or ``MOTCUA_CONFIG``)
< environment variables ``MOTCUA_<KEY>`` (``MOTCUA_DATABASE_URL``, ``MOTCUA_PORT``...).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key and the source."""


@dataclass
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: SQLite file in data_dir
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # how citizens' phones reach the server (QR on slips); default http://host:port
    site_code: str = ""  # default site for requests that name none (first site when empty)
    # Proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDRs (default: none)
    trusted_proxies: str = ""
    # Counter rules
    no_show_min_calls: int = 2
    no_show_min_seconds: int = 60
    transfer_placement: str = "original"  # original | front
    requeue_placement: str = "original"  # original | back
    # Kiosk limits
    kiosk_tickets_per_minute: int = 20
    # Numbers for a service no open counter serves (e.g. before the counters open in the
    # morning): given, with the wait shown as unknown (true), or refused with the reason (false)
    issue_when_no_counter_open: bool = True
    # Sessions: an absolute limit, and an idle limit (no request for that long ends the session)
    session_hours: int = 12
    session_idle_minutes: int = 60
    # Login throttling (per account and per client address; counted in the database)
    login_free_failures: int = 3  # wrong passwords for one account before delays begin
    login_lockout_failures: int = 10  # ... and before the account is locked out
    login_address_free_failures: int = 10  # the same for one client address (a hall may share one)
    login_address_lockout_failures: int = 30
    login_lockout_minutes: int = 15
    login_hash_concurrency: int = 1  # password hashes (64 MiB each) running at once per process
    cookie_secure: bool = False
    # Backups: made every N hours while a server runs (0: only by `motcua backup`), the newest kept
    backup_dir: str = ""  # default: DATA_DIR/backups
    backup_every_hours: int = 24
    backup_keep: int = 14
    # Personal data (Nghị định 13/2023): days after a dossier is closed (returned or refused)
    # before its applicant's ID number, phone, email and addresses are erased, and days after
    # which a rating's free-text comment is erased; 0 keeps them (not recommended)
    retention_dossier_days: int = 365
    retention_feedback_days: int = 365
    # Announcements
    voice_dir: str = ""  # a hall's own recorded clips (falls back to the default pack)
    dialect: str = "north"
    # Logs: "text" lines, or one JSON object per line for journald or a log collector
    log_format: str = "text"
    # /metrics (Prometheus): "off" (404), "open" (no token; metrics_allow may name the
    # addresses that may read it) or "token" (Authorization: Bearer metrics_token)
    metrics: str = "off"
    metrics_token: str = ""
    metrics_allow: str = ""  # comma-separated addresses or CIDRs; empty: any address
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir).resolve() / 'motcua.db'}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def effective_backup_dir(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else Path(self.data_dir).resolve() / "backups"

    def as_toml(self) -> str:
        lines = ["# Motcua configuration (motcua config export)"]
        for key, value in asdict(self).items():
            if key == "extra":
                continue
            lines.append(f"{key} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"


_POSITIVE = ("session_hours", "session_idle_minutes", "login_free_failures", "login_lockout_failures",
             "login_address_free_failures", "login_address_lockout_failures", "login_lockout_minutes",
             "login_hash_concurrency")

_CHOICES = {
    "transfer_placement": {"original", "front"},
    "requeue_placement": {"original", "back"},
    "dialect": {"north", "south"},
    "log_format": {"text", "json"},
    "metrics": {"off", "open", "token"},
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _coerce(name: str, raw: Any, kind: Any, source: str) -> Any:
    try:
        if kind in (bool, "bool"):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind in (int, "int"):
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if kind in (Path, "Path"):
            return Path(str(raw))
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} = {raw!r} is not a valid {getattr(kind, '__name__', kind)}") from None


def load_settings(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Build Settings from defaults, the TOML file, the environment and explicit overrides."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    known = {f.name: f.type for f in fields(Settings) if f.name != "extra"}
    path = path or env.get("MOTCUA_CONFIG")
    if path:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"config file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: {exc}") from None
        for key, value in data.items():
            if key not in known:
                if isinstance(value, dict):
                    settings.extra[key] = value
                    continue
                raise ConfigError(f"{p}: unknown key {key!r} (known: {', '.join(sorted(known))})")
            setattr(settings, key, _coerce(key, value, known[key], str(p)))
    for key, kind in known.items():
        env_key = f"MOTCUA_{key.upper()}"
        if env_key in env:
            setattr(settings, key, _coerce(key, env[env_key], kind, f"environment {env_key}"))
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        setattr(settings, key, _coerce(key, value, known[key], "command line"))
    for key, allowed in _CHOICES.items():
        if getattr(settings, key) not in allowed:
            raise ConfigError(f"{key} must be one of {sorted(allowed)}, got {getattr(settings, key)!r}")
    _check_trusted_proxies(settings.trusted_proxies)
    _check_trusted_proxies(settings.metrics_allow, "metrics_allow")
    if settings.metrics == "token" and len(settings.metrics_token) < 16:
        raise ConfigError("metrics = \"token\" needs metrics_token (MOTCUA_METRICS_TOKEN) of at least 16 characters")
    for key in _POSITIVE:
        if getattr(settings, key) < 1:
            raise ConfigError(f"{key} must be at least 1, got {getattr(settings, key)!r}")
    return settings


def _check_trusted_proxies(value: str, key: str = "trusted_proxies") -> None:
    import ipaddress

    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"{key}: {item!r} is not an IP address or CIDR "
                              "(e.g. \"127.0.0.1\" or \"10.0.0.0/24\")") from None
