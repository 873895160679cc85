"""Pairing a new device: what its setup scans (a QR code of the server's address and the
device's token), made once when the device is registered and never stored.

The text is a small JSON object, so a kiosk's setup screen (or a person with a phone) reads
it without guessing: {"motcua": "device", "kind": "kiosk", "server_url": ..., "site": ...,
"device_token": ...}. The QR code is an SVG drawn here (the `qrcode` package), handed to the
page as a data: URI that it shows as an image.
"""

from __future__ import annotations

import base64
import io
import json

import qrcode
import qrcode.image.svg

PAIRING_KIND = "device"


def pairing_text(*, server_url: str, kind: str, site_code: str, token: str) -> str:
    return json.dumps({"motcua": PAIRING_KIND, "kind": kind, "server_url": server_url.rstrip("/"),
                       "site": site_code, "device_token": token}, separators=(",", ":"), ensure_ascii=False)


def qr_svg(text: str) -> bytes:
    """The QR code of `text` as an SVG document (black on white, with the quiet zone)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                       image_factory=qrcode.image.svg.SvgPathFillImage)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out)
    return out.getvalue()


def qr_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode("ascii")
