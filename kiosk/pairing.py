"""Pairing a kiosk with its server from the QR code /admin shows when the device is added.

The QR code holds a small JSON object (docs/admin.md):

    {"motcua":"device","kind":"kiosk","server_url":"http://10.0.0.2:8000","site":"phuong-1",
     "device_token":"mcd_..."}

`motcua kiosk-pair` takes it from a barcode scanner that types it (one line on standard
input) or from a photo or screenshot of the code (`--image FILE`), checks it, writes the
token to its own file (readable by its owner only) and the `[kiosk]` table of the kiosk's
configuration (`server_url`, `site`, `device_token_file`), keeping the table's other keys
(printer, orientation, ...). The token is never printed.

Pure parts (`parse_pairing`, `kiosk_toml`) take text and give text; the file and image
parts are small and separate. Nothing here imports the server.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class PairingError(ValueError):
    """The pairing text, image or configuration file cannot be used; Vietnamese / English."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi, self.en = vi, en


@dataclass(frozen=True)
class Pairing:
    server_url: str
    site: str
    device_token: str


_TOKEN = re.compile(r"^mcd_[A-Za-z0-9_-]{20,200}$")
_SITE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def parse_pairing(text: str) -> Pairing:
    """The pairing of a kiosk from the QR code's text (as a scanner types it: surrounding
    spaces, a carriage return, a keyboard layout's curly quotes are tolerated)."""
    raw = (text or "").strip().replace("\u201c", '"').replace("\u201d", '"')
    if not raw:
        raise PairingError("Chưa nhận được nội dung mã QR.", "No QR code text was received.")
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError:
        raise PairingError("Mã QR này không phải mã ghép nối thiết bị Motcua (không phải JSON).",
                           "This QR code is not a Motcua device pairing code (not JSON).") from None
    if not isinstance(doc, dict) or doc.get("motcua") != "device":
        raise PairingError("Mã QR này không phải mã ghép nối thiết bị Motcua.",
                           "This QR code is not a Motcua device pairing code.")
    kind = doc.get("kind")
    if kind != "kiosk":
        raise PairingError(f"Mã này dành cho thiết bị loại “{kind}”, không phải ki-ốt: hãy thêm một ki-ốt ở /admin.",
                           f"This code is for a device of kind {kind!r}, not a kiosk: add a kiosk in /admin.")
    url = str(doc.get("server_url") or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PairingError(f"server_url: địa chỉ máy chủ “{url[:80]}” không hợp lệ (cần http:// hoặc https://).",
                           f"server_url: the server address {url[:80]!r} is not valid (http:// or https://).")
    token = str(doc.get("device_token") or "")
    if not _TOKEN.match(token):
        raise PairingError("device_token: mã thiết bị trong mã QR không hợp lệ.",
                           "device_token: the device token in the QR code is not valid.")
    site = str(doc.get("site") or "")
    if site and not _SITE.match(site):
        raise PairingError(f"site: mã điểm phục vụ “{site[:40]}” không hợp lệ.", f"site: invalid site code {site[:40]!r}.")
    return Pairing(server_url=url, site=site, device_token=token)


def read_qr_image(path: Path | str) -> str:
    """The text of the (first) QR code in an image file (PNG, JPEG, ...)."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise PairingError("Cần gói zxing-cpp để đọc mã QR từ ảnh (pip install zxing-cpp), hoặc dùng máy quét.",
                           "Reading a QR code from an image needs the zxing-cpp package, or use a scanner.") from None
    try:
        with Image.open(path) as img:
            found = zxingcpp.read_barcodes(img.convert("RGB"))
    except FileNotFoundError:
        raise PairingError(f"Không tìm thấy tệp ảnh {path}.", f"Image file {path} not found.") from None
    except (UnidentifiedImageError, OSError):
        raise PairingError(f"Tệp {path} không phải ảnh đọc được.", f"{path} is not a readable image.") from None
    codes = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode and b.text]
    if not codes:
        raise PairingError(f"Không thấy mã QR nào trong ảnh {path}.", f"No QR code found in {path}.")
    return codes[0]


# -- the configuration file -----------------------------------------------------------------

def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    raise PairingError(f"Không ghi lại được giá trị {value!r} của bảng [kiosk].",
                       f"Cannot write back the [kiosk] value {value!r}.")


def kiosk_toml(existing: str, pairing: Pairing, token_file: str) -> str:
    """The configuration file's text with the pairing in its `[kiosk]` table (other keys of
    the table kept). A file holding other tables (a server's configuration) is refused:
    this command writes the kiosk's own file."""
    try:
        doc = tomllib.loads(existing) if existing.strip() else {}
    except tomllib.TOMLDecodeError as exc:
        raise PairingError(f"Tệp cấu hình hiện có không đọc được ({exc}).",
                           f"The existing configuration file cannot be read ({exc}).") from None
    others = sorted(k for k in doc if k != "kiosk")
    if others:
        raise PairingError(f"Tệp cấu hình có cả bảng [{others[0]}]: hãy ghi cấu hình ki-ốt vào tệp riêng (--config).",
                           f"The configuration file also holds [{others[0]}]: write the kiosk's to its own file "
                           "(--config).")
    table = dict(doc.get("kiosk") or {})
    table.pop("device_token", None)  # the token lives in its own file from now on
    table.update({"server_url": pairing.server_url, "site": pairing.site, "device_token_file": token_file})
    lines = ["# Cấu hình ki-ốt, ghi bởi `motcua kiosk-pair` / the kiosk's configuration", "[kiosk]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _write_private(path: Path, text: str, mode: int) -> None:
    """Write `text` whole or not at all (a temporary file renamed over), with `mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_pairing(pairing: Pairing, config_path: Path | str, token_path: Path | str | None = None) -> tuple[Path, Path]:
    """Write the token file (owner-only) and the kiosk's configuration; their paths."""
    config = Path(config_path)
    token = Path(token_path) if token_path else config.with_name("kiosk.token")
    existing = config.read_text(encoding="utf-8") if config.exists() else ""
    text = kiosk_toml(existing, pairing, str(token.resolve()))  # checked before anything is written
    try:
        _write_private(token, pairing.device_token + "\n", 0o600)
        _write_private(config, text, 0o644)
    except OSError as exc:
        raise PairingError(f"Không ghi được tệp cấu hình ({exc.strerror}: {exc.filename}).",
                           f"Cannot write the configuration ({exc.strerror}: {exc.filename}).") from None
    return config, token


__all__ = ["Pairing", "PairingError", "parse_pairing", "read_qr_image", "kiosk_toml", "write_pairing"]
