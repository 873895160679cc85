"""Configuration: one TOML file plus environment overrides, with defaults that need neither.

Precedence (last wins): built-in defaults < TOML file (``--config`` or ``MOTCUA_CONFIG``)
< environment variables ``MOTCUA_<KEY>`` (``MOTCUA_DATABASE_URL``, ``MOTCUA_PORT``...)
< explicit overrides (the command line's options).

`Settings` is a pydantic-settings model: its own sources read the file
(TomlConfigSettingsSource) and the environment (EnvSettingsSource, prefix ``MOTCUA_``), and
pydantic's types and validators check every value. This module only remembers which source
gave which key, so that a wrong value becomes one ConfigError naming the key and where it came
from, Vietnamese then English. A table of the file (``[dossiers]``, ``[kiosk]``...) is kept
as it is in `extra` for its own reader; any other unknown key is an error.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings.sources.utils import parse_env_vars


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key and the source."""


class _Wrong(ValueError):
    """Raised by a validator: what is wrong, in both languages (`keys`: the settings involved)."""

    def __init__(self, vi: str, en: str, keys: tuple[str, ...] = ()) -> None:
        super().__init__(en)
        self.vi, self.en, self.keys = vi, en, keys


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1; a TOML `port = true` is a mistake
        raise ValueError("a boolean is not a number")
    return value


Int = Annotated[int, BeforeValidator(_not_a_bool)]
Positive = Annotated[int, BeforeValidator(_not_a_bool), Field(ge=1)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", extra="forbid", coerce_numbers_to_str=True)

    data_dir: Path = Path("data")
    database_url: str = ""  # empty: SQLite file in data_dir
    host: str = "127.0.0.1"
    port: Int = 8000
    public_url: str = ""  # how citizens' phones reach the server (QR on slips); default http://host:port
    site_code: str = ""  # default site for requests that name none (first site when empty)
    # Proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDRs (default: none)
    trusted_proxies: str = ""
    # Counter rules
    no_show_min_calls: Int = 2
    no_show_min_seconds: Int = 60
    transfer_placement: Literal["original", "front"] = "original"
    requeue_placement: Literal["original", "back"] = "original"
    # Kiosk limits
    kiosk_tickets_per_minute: Int = 20
    # Numbers for a service no open counter serves (e.g. before the counters open in the
    # morning): given, with the wait shown as unknown (true), or refused with the reason (false)
    issue_when_no_counter_open: bool = True
    # Sessions: an absolute limit, and an idle limit (no request for that long ends the session)
    session_hours: Positive = 12
    session_idle_minutes: Positive = 60
    # Login throttling (per account and per client address; counted in the database)
    login_free_failures: Positive = 3  # wrong passwords for one account before delays begin
    login_lockout_failures: Positive = 10  # ... and before the account is locked out
    login_address_free_failures: Positive = 10  # the same for one client address (a hall may share one)
    login_address_lockout_failures: Positive = 30
    login_lockout_minutes: Positive = 15
    login_hash_concurrency: Positive = 1  # password hashes (64 MiB each) running at once per process
    cookie_secure: bool = False
    # Backups: made every N hours while a server runs (0: only by `motcua backup`), the newest kept
    backup_dir: str = ""  # default: DATA_DIR/backups
    backup_every_hours: Int = 24
    backup_keep: Int = 14
    # Personal data (Nghị định 13/2023): days after a dossier is closed (returned or refused)
    # before its applicant's ID number, phone, email and addresses are erased, and days after
    # which a rating's free-text comment is erased; 0 keeps them (not recommended)
    retention_dossier_days: Int = 365
    retention_feedback_days: Int = 365
    # days after its slot a booking keeps the citizen's name and phone (0 keeps them)
    retention_appointment_days: Int = 30
    # Announcements
    voice_dir: str = ""  # a hall's own recorded clips (falls back to the default pack)
    dialect: Literal["north", "south"] = "north"
    # Logs: "text" lines, or one JSON object per line for journald or a log collector
    log_format: Literal["text", "json"] = "text"
    # /metrics (Prometheus): "off" (404), "open" (no token; metrics_allow may name the
    # addresses that may read it) or "token" (Authorization: Bearer metrics_token)
    metrics: Literal["off", "open", "token"] = "off"
    metrics_token: str = ""
    metrics_allow: str = ""  # comma-separated addresses or CIDRs; empty: any address
    # Messages out (docs/notifications.md): "ticket called", "N ahead" and "appointment
    # tomorrow" POSTed to a hall's SMS or Zalo gateway at webhook_url (empty: nothing is sent
    # anywhere), signed with webhook_secret (HMAC-SHA256), retried with backoff until
    # webhook_give_up_hours; the phone numbers citizens leave are erased after
    # retention_notification_days
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_timeout_seconds: Positive = 10
    webhook_give_up_hours: Positive = 24
    retention_notification_days: Int = 30
    # The file's tables ([dossiers], [kiosk], ...), read by their own parts of the server
    extra: dict[str, Any] = Field(default_factory=dict)

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
        """Every setting, then the file's tables: a file that `load_settings` reads back equal."""
        lines = ["# Motcua configuration (motcua config export)"]
        for key, value in self.model_dump(exclude={"extra"}).items():
            lines.append(f"{key} = {_toml_value(value)}")
        for key, table in self.extra.items():
            lines.extend(_toml_table([key], table))
        return "\n".join(lines) + "\n"

    @model_validator(mode="before")
    @classmethod
    def _tables_are_extra(cls, data: Any) -> Any:
        """A table the model does not know ([dossiers], [kiosk], ...) goes to `extra` as it is."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        tables = {key: data.pop(key) for key in list(data)
                  if key not in cls.model_fields and isinstance(data[key], dict)}
        if tables:
            data["extra"] = {**data.get("extra", {}), **tables}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _paths_are_text(cls, value: Any) -> Any:
        """A Path given for a text setting (`cache_dir=tmp_path`) is its text, as before."""
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _addresses(cls, value: str, info: Any) -> str:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                key = info.field_name
                raise _Wrong(f"{key}: {item!r} không phải địa chỉ IP hay dải CIDR "
                             "(ví dụ \"127.0.0.1\" hoặc \"10.0.0.0/24\")",
                             f"{key}: {item!r} is not an IP address or CIDR "
                             "(e.g. \"127.0.0.1\" or \"10.0.0.0/24\")") from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s#]*)?", value):
            raise _Wrong(f"webhook_url: {value!r} phải là địa chỉ http:// hoặc https:// (ví dụ "
                         "\"https://sms.example.vn/motcua\")",
                         f"webhook_url: {value!r} must be an http:// or https:// address (e.g. "
                         "\"https://sms.example.vn/motcua\")")
        return value

    @model_validator(mode="after")
    def _webhook_secret_long_enough(self) -> Settings:
        if self.webhook_url and len(self.webhook_secret) < 16:
            raise _Wrong("webhook_url cần webhook_secret (MOTCUA_WEBHOOK_SECRET) dài ít nhất 16 ký tự để ký tin nhắn",
                         "webhook_url needs webhook_secret (MOTCUA_WEBHOOK_SECRET) of at least 16 characters "
                         "to sign the messages", keys=("webhook_secret", "webhook_url"))
        return self

    @model_validator(mode="after")
    def _metrics_token_long_enough(self) -> Settings:
        if self.metrics == "token" and len(self.metrics_token) < 16:
            raise _Wrong("metrics = \"token\" cần metrics_token (MOTCUA_METRICS_TOKEN) dài ít nhất 16 ký tự",
                         "metrics = \"token\" needs metrics_token (MOTCUA_METRICS_TOKEN) of at least 16 characters",
                         keys=("metrics_token", "metrics"))
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: Any, env_settings: Any,
                                   dotenv_settings: Any, file_secret_settings: Any) -> tuple[Any, ...]:
        """First wins: the overrides, then the environment, then the TOML file (no .env, no secrets dir)."""
        reading = _READING.get() or _Reading.of(None, os.environ)
        sources: list[Any] = [init_settings, _Environment(settings_cls, reading)]
        if reading.path is not None:
            sources.append(_TomlFile(settings_cls, reading))
        return tuple(sources)


# -- where each value came from ----------------------------------------------------------------

@dataclass
class _Reading:
    """One load: the file and environment to read, and the keys each source gave (for errors)."""

    path: Path | None
    environ: Mapping[str, str]
    overrides: set[str] = field(default_factory=set)
    from_env: set[str] = field(default_factory=set)
    from_file: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, path: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> _Reading:
        path = path or environ.get("MOTCUA_CONFIG")
        return cls(Path(path) if path else None, environ)

    def source(self, key: str) -> tuple[str, str]:
        """The source (Vietnamese, English) whose value of `key` is the one used."""
        if key in self.overrides:
            return "dòng lệnh", "command line"
        if key in self.from_env:
            name = f"MOTCUA_{key.upper()}"
            return f"biến môi trường {name}", f"environment {name}"
        if key in self.from_file:
            return f"tệp {self.path}", f"file {self.path}"
        return "giá trị mặc định", "default"


_READING: ContextVar[_Reading | None] = ContextVar("motcua_settings_reading", default=None)


class _Environment(EnvSettingsSource):
    """`MOTCUA_<KEY>` from the mapping `load_settings` was given (os.environ unless a test gives one)."""

    def __init__(self, settings_cls: type[BaseSettings], reading: _Reading) -> None:
        self._reading = reading
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._reading.environ, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        values.pop("extra", None)  # tables come from the file only
        self._reading.from_env.update(values)
        return values


class _TomlFile(TomlConfigSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], reading: _Reading) -> None:
        self._reading = reading
        super().__init__(settings_cls, toml_file=reading.path)

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        self._reading.from_file.update(values)
        return values


# -- loading -----------------------------------------------------------------------------------

def load_settings(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Build Settings from defaults, the TOML file, the environment and explicit overrides
    (None: not given). `env` replaces os.environ (tests pass their own)."""
    reading = _Reading.of(path, os.environ if env is None else env)
    overrides = {key: value for key, value in overrides.items() if value is not None}
    for key in overrides:
        if key not in Settings.model_fields or key == "extra":
            raise ConfigError(f"không có thiết lập {key!r} / unknown setting {key!r}")
    reading.overrides.update(overrides)
    if reading.path is not None and not reading.path.is_file():
        raise ConfigError(f"không tìm thấy tệp cấu hình / config file not found: {reading.path}")
    token = _READING.set(reading)
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"tệp {reading.path} không phải TOML hợp lệ / {reading.path} is not valid TOML: "
                          f"{exc}") from None
    except ValidationError as exc:
        raise ConfigError("\n".join(_explain(error, reading) for error in exc.errors())) from None
    finally:
        _READING.reset(token)


_KNOWN = ", ".join(sorted(name for name in Settings.model_fields if name != "extra"))


def _explain(error: Any, reading: _Reading) -> str:
    """One pydantic error as `source: what is wrong`, Vietnamese then English."""
    key = str(error["loc"][0]) if error["loc"] else ""
    value, kind, ctx = error.get("input"), error["type"], error.get("ctx") or {}
    wrong = ctx.get("error")
    if isinstance(wrong, _Wrong):
        keys = wrong.keys or (key,)
        where = next((reading.source(k) for k in keys if reading.source(k)[1] != "default"), reading.source(keys[0]))
        vi, en = wrong.vi, wrong.en
    else:
        where = reading.source(key)
        vi, en = _reason(key, value, kind, ctx)
    known = f" (các khóa / known: {_KNOWN})" if kind == "extra_forbidden" else ""
    return f"{where[0]}: {vi} / {where[1]}: {en}{known}"


def _reason(key: str, value: Any, kind: str, ctx: dict[str, Any]) -> tuple[str, str]:
    if kind == "extra_forbidden":
        return f"khóa lạ {key!r}", f"unknown key {key!r}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        return (f"{key} phải là một trong {choices}, nhận {value!r}", f"{key} must be one of {choices}, got {value!r}")
    if kind == "greater_than_equal":
        return (f"{key} phải ít nhất là {ctx['ge']}, nhận {value!r}", f"{key} must be at least {ctx['ge']}, got {value!r}")
    if isinstance(value, bool) and kind == "value_error":
        return (f"{key} = {value!r} là true/false, không phải số", f"{key} = {value!r} is a boolean, not a number")
    if kind.startswith("int"):
        return (f"{key} = {value!r} không phải số nguyên", f"{key} = {value!r} is not a valid int")
    if kind.startswith("bool"):
        return (f"{key} = {value!r} không phải true/false", f"{key} = {value!r} is not a valid bool (true/false)")
    if kind.startswith("string"):
        return (f"{key} = {value!r} không phải chuỗi ký tự", f"{key} = {value!r} is not a valid str")
    return (f"{key} = {value!r} không hợp lệ", f"{key} = {value!r}: {ctx.get('error', kind)}")


# -- writing -----------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    # a JSON string is a TOML basic string, but for DEL, which TOML wants escaped
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_table(names: list[str], table: dict[str, Any]) -> list[str]:
    values = [f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    nested = any(isinstance(v, dict) for v in table.values())
    lines = [] if nested and not values else ["", "[" + ".".join(_toml_key(n) for n in names) + "]"]
    lines += values
    for k, v in table.items():
        if isinstance(v, dict):
            lines += _toml_table([*names, str(k)], v)
    return lines
