"""Every slip layout, on both paper widths and three kinds of printer, decoded by emupos.

emupos is an independent ESC/POS interpreter: what it reads back from our bytes is
what a printer would print. For each slip we check, line by line, that:

* native text lines decode to exactly the Vietnamese text we meant (TCVN-3 bytes are
  decoded with glibc's table, CP1258 with Python's, not with ours);
* raster lines arrive as exactly the image we drew (emupos decodes `GS v 0`);
* the QR code decodes (zxing-cpp reads emupos' rendering of it) to the URL;
* nothing anywhere comes out as `?` or as an undecodable byte;
* nothing is cut off: emupos never had to wrap a line we sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageOps

from hardware.printer.layout import SlipRendering, layout_slip
from hardware.printer.profiles import resolve_profile
from hardware.printer.ticket import layout_ticket_slip
from tests.hardware.emupos_helper import Decoded, decode
from tests.hardware.slip_samples import TICKET, TICKET_LONG_SERVICE, generic_slip, standard_slip_for

PROFILES = {
    "TM-T20II": "TCVN-3 Epson profile (pages 30/31, also CP1258)",
    "RP326": "CP1258-only profile",
    "P822D": "no Vietnamese code page",
}
LAYOUTS = ("ticket", "ticket-long", "generic", "test")


def _render(layout: str, profile_name: str, width: int) -> SlipRendering:
    profile = resolve_profile(profile_name, width)
    if layout == "ticket":
        return layout_ticket_slip(TICKET, profile)
    if layout == "ticket-long":
        return layout_ticket_slip(TICKET_LONG_SERVICE, profile)
    if layout == "generic":
        return layout_slip(generic_slip(), profile)
    return layout_slip(standard_slip_for(profile.label, width, profile.width_dots), profile)


def _same_image(a: Image.Image, b: Image.Image) -> bool:
    a, b = a.convert("1"), b.convert("1")
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def _qr_payload(png: str) -> str | None:
    image = ImageOps.expand(Image.open(png).convert("L"), border=16, fill=255)  # paper around it
    found = zxingcpp.read_barcodes(image)
    return found[0].text if found else None


@pytest.mark.parametrize("width", (58, 80))
@pytest.mark.parametrize("profile_name", list(PROFILES))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_slip_decodes_to_what_we_meant(layout: str, profile_name: str, width: int, tmp_path: Path) -> None:
    rendering = _render(layout, profile_name, width)
    decoded: Decoded = decode(rendering.data, rendering.profile, tmp_path)  # type: ignore[arg-type]

    dumped = decoded.text_lines()
    assert "\ufffd" not in decoded.text, decoded.text
    unknown = [e for e in decoded.events if e["type"] == "printer.command.unknown"]
    assert not unknown, unknown

    printed = [line for line in rendering.lines if line.kind != "feed"]
    blocks = iter(decoded.blocks)
    assert len(dumped) == len(printed), (dumped, [line.text for line in printed])
    for line, dump in zip(printed, dumped, strict=True):
        intended = line.text if line.kind == "text" else f"[qr {line.text}]" if line.kind == "qr" else ""
        assert dump.count("?") == intended.count("?"), f"a '?' was printed: {dump!r}"
        if line.kind == "text":
            assert dump == line.text.strip()
            continue
        block = next(blocks)
        assert dump == block["text"]
        if line.kind == "raster":
            assert dump.startswith("[image ")
            assert _same_image(Image.open(block["png"]), line.image), f"raster line differs: {line.text}"
        elif line.kind == "qr":
            assert dump == f"[qr {line.text}]"
            assert _qr_payload(block["png"]) == line.text
        elif line.kind == "qr-image":
            assert _qr_payload(block["png"]) == line.text


@pytest.mark.parametrize("width", (58, 80))
@pytest.mark.parametrize("profile_name", list(PROFILES))
def test_which_lines_go_native_follows_the_profile(profile_name: str, width: int) -> None:
    rendering = _render("ticket", profile_name, width)
    service = next(line for line in rendering.lines if line.text == TICKET.service_name)
    code = next(line for line in rendering.lines if line.text == TICKET.ticket_code)
    assert code.kind == "text" and code.encoding == "ascii"
    if profile_name == "TM-T20II":  # every Vietnamese letter has a TCVN-3 byte
        assert all(line.kind in ("text", "qr", "feed") for line in rendering.lines)
    else:  # "Đăng ký": ý is not precomposed in CP1258, and P822D has no Vietnamese page
        assert service.kind == "raster"


def test_qr_goes_as_an_image_where_the_printer_has_no_qr_command(tmp_path: Path) -> None:
    profile = resolve_profile("POS-5890", 58)  # CP1258 58 mm printer without native QR
    assert not profile.native_qr
    rendering = layout_ticket_slip(TICKET, profile)
    qr = [line for line in rendering.lines if line.kind.startswith("qr")]
    assert [line.kind for line in qr] == ["qr-image"]
    decoded = decode(rendering.data, profile, tmp_path)
    payloads = [_qr_payload(b["png"]) for b in decoded.blocks if b["text"].startswith("[image")]
    assert [p for p in payloads if p is not None] == [TICKET.position_url]
