"""The QR code of a booking's page, drawn as a small SVG.

A booking's answer carries the QR of its page's address. The `qrcode` package's automatic
mask choice scores all eight masks (about 14 ms of pure Python per code, inside the answer
to every booking); any of the eight is a valid QR code (ISO/IEC 18004 only ranks them), so
one fixed mask is used and the SVG is written here from the module matrix (about 3 ms)."""

from __future__ import annotations

import base64

import qrcode

MASK = 0
QUIET = 4  # modules of white border, as the standard asks


def qr_svg(text: str) -> bytes:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET, mask_pattern=MASK)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # with the border
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * 8}" '
            f'height="{size * 8}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>').encode("ascii")


def qr_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode("ascii")
