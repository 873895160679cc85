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

`KioskConfig` is a pydantic-settings model read by its own sources (the file's `[kiosk]`
table through TomlConfigSettingsSource, the environment through EnvSettingsSource with the
prefix ``MOTCUA_KIOSK_``); a wrong value is a KioskConfigError naming the key and where it
came from, Vietnamese then English. The kiosk never imports the server; this mirrors
queue_server/config.py on purpose.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings.sources.utils import parse_env_vars


class KioskConfigError(ValueError):
    """A configuration value is wrong; the message names the key and where it came from."""


SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
_CHOICES: dict[str, list[Any]] = {"orientation": list(SIZES), "language": ["vi", "en"], "printer_width_mm": [58, 80]}


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1
        raise ValueError("a boolean is not a number")
    return value


def _paper_width(value: Any) -> Any:
    """80 from the file, "80" from the environment: the same choice."""
    value = _not_a_bool(value)
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


Int = Annotated[int, BeforeValidator(_not_a_bool)]
Float = Annotated[float, BeforeValidator(_not_a_bool)]


class KioskConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_KIOSK_", extra="forbid", coerce_numbers_to_str=True)

    server_url: str = "http://127.0.0.1:8000"
    device_token: str = ""
    device_token_file: str = ""  # a file holding the token, or the demo's demo-devices.json
    site: str = ""  # site code; empty: the device's own site
    printer_url: str = ""  # empty: no printer (the screen shows the number only)
    printer_profile: str = ""
    printer_width_mm: Annotated[Literal[58, 80], BeforeValidator(_paper_width)] = 80
    orientation: Literal["portrait", "landscape"] = "portrait"
    fullscreen: bool = False
    language: Literal["vi", "en"] = "vi"
    idle_timeout_s: Annotated[int, BeforeValidator(_not_a_bool), Field(ge=5)] = 45
    cache_dir: str = ""  # default: ~/.cache/motcua-kiosk
    connect_timeout_s: Float = 1.5
    request_timeout_s: Float = 4.0
    health_interval_s: Float = 5.0
    hall_name: str = ""  # shown before the server has been reached once
    # a camera that reads the phone's QR at the check-in screen (kiosk/camera.py): v4l2:///dev/video0,
    # cam://0 or file:///path/qr.png (the simulator); empty: the keyboard and a scanner only
    checkin_camera: str = ""

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
            raise KioskConfigError(f"không đọc được device_token_file {path} / cannot read device_token_file "
                                   f"{path}: {exc.strerror}") from None
        if text.startswith("{"):
            try:
                return str(json.loads(text)["kiosk"]["token"])
            except (ValueError, KeyError, TypeError):
                raise KioskConfigError(f"device_token_file {path}: tệp JSON này không có kiosk.token / "
                                       "no kiosk.token in this JSON") from None
        return text

    @field_validator("*", mode="before")
    @classmethod
    def _paths_are_text(cls, value: Any) -> Any:
        """A Path given for a text setting (`cache_dir=tmp_path`) is its text, as before."""
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @field_validator("server_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("checkin_camera")
    @classmethod
    def _camera_url(cls, value: str) -> str:
        from kiosk.camera import check_url

        return check_url(value) if value else value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: Any, env_settings: Any,
                                   dotenv_settings: Any, file_secret_settings: Any) -> tuple[Any, ...]:
        """First wins: the command line, then the environment, then the file's [kiosk] table."""
        reading = _READING.get() or _Reading.of(None, os.environ)
        sources: list[Any] = [init_settings, _Environment(settings_cls, reading)]
        if reading.path is not None:
            sources.append(_KioskTable(settings_cls, reading))
        return tuple(sources)


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
        path = path or environ.get("MOTCUA_KIOSK_CONFIG") or environ.get("MOTCUA_CONFIG")
        return cls(Path(path) if path else None, environ)

    def source(self, key: str) -> tuple[str, str]:
        if key in self.overrides:
            return "dòng lệnh", "command line"
        if key in self.from_env:
            name = f"MOTCUA_KIOSK_{key.upper()}"
            return f"biến môi trường {name}", f"environment {name}"
        if key in self.from_file:
            return f"tệp {self.path} [kiosk]", f"file {self.path} [kiosk]"
        return "giá trị mặc định", "default"


_READING: ContextVar[_Reading | None] = ContextVar("motcua_kiosk_config_reading", default=None)


class _Environment(EnvSettingsSource):
    """`MOTCUA_KIOSK_<KEY>` from the mapping `load_config` was given (os.environ by default)."""

    def __init__(self, settings_cls: type[BaseSettings], reading: _Reading) -> None:
        self._reading = reading
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._reading.environ, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        self._reading.from_env.update(values)
        return values


class _KioskTable(TomlConfigSettingsSource):
    """The `[kiosk]` table of the file; the server's keys around it are not the kiosk's business."""

    def __init__(self, settings_cls: type[BaseSettings], reading: _Reading) -> None:
        self._reading = reading
        super().__init__(settings_cls, toml_file=reading.path, toml_table_header=("kiosk",))

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        data = super()._read_file(file_path)
        if not isinstance(data.setdefault("kiosk", {}), dict):
            raise KioskConfigError(f"tệp {file_path}: [kiosk] phải là một bảng / "
                                   f"file {file_path}: [kiosk] must be a table")
        return data

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        self._reading.from_file.update(values)
        return values


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
                **overrides: Any) -> KioskConfig:
    """Build the kiosk's configuration from defaults, TOML, environment and overrides
    (None: not given). `env` replaces os.environ (tests pass their own)."""
    reading = _Reading.of(path, os.environ if env is None else env)
    overrides = {key: value for key, value in overrides.items() if value is not None}
    for key in overrides:
        if key not in KioskConfig.model_fields:
            raise KioskConfigError(f"không có thiết lập ki-ốt {key!r} / unknown kiosk setting {key!r}")
    reading.overrides.update(overrides)
    if reading.path is not None and not reading.path.is_file():
        raise KioskConfigError(f"không tìm thấy tệp cấu hình / config file not found: {reading.path}")
    token = _READING.set(reading)
    try:
        return KioskConfig(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError(f"tệp {reading.path} không phải TOML hợp lệ / {reading.path} is not valid TOML: "
                               f"{exc}") from None
    except ValidationError as exc:
        raise KioskConfigError("\n".join(_explain(error, reading) for error in exc.errors())) from None
    finally:
        _READING.reset(token)


_KNOWN = ", ".join(sorted(KioskConfig.model_fields))


def _explain(error: Any, reading: _Reading) -> str:
    """One pydantic error as `source: what is wrong`, Vietnamese then English."""
    key = str(error["loc"][0]) if error["loc"] else ""
    value, kind, ctx = error.get("input"), error["type"], error.get("ctx") or {}
    vi_where, en_where = reading.source(key)
    if kind == "extra_forbidden":
        return (f"{vi_where}: khóa lạ kiosk.{key} / {en_where}: unknown key kiosk.{key} "
                f"(các khóa / known: {_KNOWN})")
    if kind == "literal_error":
        choices = _CHOICES[key]
        vi, en = (f"{key} phải là một trong {choices}, nhận {value!r}", f"{key} must be one of {choices}, got {value!r}")
    elif kind == "greater_than_equal":
        vi, en = (f"{key} phải ít nhất là {ctx['ge']}, nhận {value!r}", f"{key} must be at least {ctx['ge']}, got {value!r}")
    elif isinstance(value, bool) and kind == "value_error":
        vi, en = (f"{key} = {value!r} là true/false, không phải số", f"{key} = {value!r} is a boolean, not a number")
    elif kind.startswith("int"):
        vi, en = (f"{key} = {value!r} không phải số nguyên", f"{key} = {value!r} is not a valid int")
    elif kind.startswith("float"):
        vi, en = (f"{key} = {value!r} không phải số", f"{key} = {value!r} is not a valid float")
    elif kind.startswith("bool"):
        vi, en = (f"{key} = {value!r} không phải true/false", f"{key} = {value!r} is not a valid bool (true/false)")
    elif kind.startswith("string"):
        vi, en = (f"{key} = {value!r} không phải chuỗi ký tự", f"{key} = {value!r} is not a valid str")
    else:
        vi, en = (f"{key} = {value!r} không hợp lệ", f"{key} = {value!r}: {error.get('msg', kind)}")
    return f"{vi_where}: {vi} / {en_where}: {en}"
