"""Slip -> ESC/POS bytes for one printer profile and paper width.

For every paragraph the cheapest correct form is chosen (see `vietnamese`):
plain ASCII and verified code-page text go as native text (about one byte per
letter); anything else is drawn with the shipped font and sent as `GS v 0` raster
lines (about 30 bytes per letter at the normal size). QR codes go as the native
`GS ( k` command where the profile has it, otherwise as a raster image.

`layout_slip` also returns what it decided for every printed line
(`PrintedLine`), which tests and the CLI use to explain a slip.

Commands used (Epson ESC/POS):
    ESC @            initialise            ESC a n      justification
    ESC E n          bold                  GS ! n       character size
    ESC M n          font A/B              ESC t n      code page
    ESC 2, ESC 3 n   line spacing          ESC J n      feed n dots
    LF, ESC d n      print and feed        GS v 0       raster image
    GS ( k           QR code (model 2)     GS V 66 0    feed and partial cut
"""

from __future__ import annotations

from dataclasses import dataclass, field

import qrcode
from PIL import Image

from hardware.printer import raster
from hardware.printer.profiles import FONT_A, FONT_B, PrinterProfile, resolve_profile
from hardware.printer.slip import Columns, Feed, QrCode, Separator, Size, Slip, Text
from hardware.printer.vietnamese import encode_native, is_printable_ascii, nfc
from hardware.printer.wrap import wrap

ESC = b"\x1b"
GS = b"\x1d"
_ALIGN = {"left": 0, "center": 1, "right": 2}
INDENT = "  "  # a wrapped value of a two-column row starts under its label, indented
# Native size: (font, width multiplier, height multiplier)
_NATIVE_SIZE: dict[str, tuple[str, int, int]] = {
    "small": ("B", 1, 1),
    "normal": ("A", 1, 1),
    "title": ("A", 1, 2),
    "large": ("A", 2, 2),
    "huge": ("A", 4, 4),
}
# Raster font pixel size per slip size ("title" is drawn bold, a little larger).
_RASTER_SIZE: dict[str, str] = {"small": "small", "normal": "normal", "title": "title", "large": "large", "huge": "huge"}


@dataclass(frozen=True)
class PrintedLine:
    """One printed line or block and how it was encoded ("ascii", "TCVN-3-1+TCVN-3-2", "CP1258", "raster", "qr")."""

    kind: str  # "text", "raster", "qr", "qr-image", "feed"
    text: str
    encoding: str
    nbytes: int
    image: Image.Image | None = field(default=None, compare=False, repr=False)  # the dots sent, if raster


@dataclass
class SlipRendering:
    """The bytes of a slip and the per-line decisions behind them."""

    data: bytes
    lines: list[PrintedLine] = field(default_factory=list)
    profile: PrinterProfile | None = None

    @property
    def raster_bytes(self) -> int:
        return sum(line.nbytes for line in self.lines if line.kind in ("raster", "qr-image"))


class _Emitter:
    """Collects bytes, emitting mode commands only when the mode changes."""

    def __init__(self) -> None:
        self.out = bytearray(ESC + b"@")
        self.lines: list[PrintedLine] = []
        self._align = 0
        self._bold = False
        self._size = 0
        self._font = 0
        self._spacing = 30

    def align(self, align: str) -> None:
        value = _ALIGN[align]
        if value != self._align:
            self.out += ESC + b"a" + bytes([value])
            self._align = value

    def style(self, size: Size, bold: bool) -> None:
        font, width, height = _NATIVE_SIZE[size]
        font_value = 0 if font == "A" else 1
        if font_value != self._font:
            self.out += ESC + b"M" + bytes([font_value])
            self._font = font_value
        spacing = 22 if font == "B" else 30  # dots from line to line: Font B is 17 dots tall
        if spacing != self._spacing:
            self.out += ESC + (b"2" if spacing == 30 else b"3" + bytes([spacing]))
            self._spacing = spacing
        size_value = ((width - 1) << 4) | (height - 1)
        if size_value != self._size:
            self.out += GS + b"!" + bytes([size_value])
            self._size = size_value
        if bold != self._bold:
            self.out += ESC + b"E" + bytes([1 if bold else 0])
            self._bold = bold

    def text_line(self, text: str, encoded: bytes, encoding: str) -> None:
        start = len(self.out)
        self.out += encoded + b"\n"
        self.lines.append(PrintedLine("text", text, encoding, len(self.out) - start))

    def image(self, image: Image.Image, text: str, kind: str = "raster") -> None:
        """A raster line: blank rows above and below the ink are fed (ESC J), not sent as dots."""
        start = len(self.out)
        first, end = raster.ink_rows(image) if kind == "raster" else (0, image.height)
        sent = None
        if end <= first:  # nothing to print: keep the line's height
            self.feed_dots(image.height)
        else:
            self.feed_dots(first)
            sent = image.crop((0, first, image.width, end))
            self.out += raster.raster_bytes(sent)
            self.feed_dots(image.height - end)
        self.lines.append(PrintedLine(kind, text, "raster", len(self.out) - start, sent))

    def feed_dots(self, dots: int) -> None:
        while dots > 0:
            step = min(dots, 255)
            self.out += ESC + b"J" + bytes([step])
            dots -= step

    def raw(self, data: bytes, line: PrintedLine) -> None:
        self.out += data
        self.lines.append(line)


def _encoding_label(text: str, encoded: bytes) -> str:
    if is_printable_ascii(text):
        return "ascii"
    pages = sorted({encoded[i + 2] for i in range(len(encoded) - 2) if encoded[i : i + 2] == b"\x1bt"})
    return "native:" + ",".join(str(p) for p in pages)


def _columns_for(profile: PrinterProfile, size: Size) -> int:
    font, width, _ = _NATIVE_SIZE[size]
    cell = FONT_A if font == "A" else FONT_B
    return profile.width_dots // (cell[0] * width)


def _native_fits(profile: PrinterProfile, text: str) -> bool:
    return encode_native(text, profile.vietnamese) is not None


def _emit_text(em: _Emitter, profile: PrinterProfile, element: Text) -> None:
    text = nfc(element.text)
    if _native_fits(profile, text):
        columns = _columns_for(profile, element.size)
        em.align(element.align)
        em.style(element.size, element.bold)
        for line in wrap(text, lambda candidate: len(candidate) <= columns):
            encoded = encode_native(line, profile.vietnamese) or b""
            em.text_line(line, encoded, _encoding_label(line, encoded))
        return
    _require_raster(profile, text)
    size = _RASTER_SIZE[element.size]
    bold = element.bold
    em.align(element.align)
    for line in wrap(text, lambda candidate: raster.text_width(candidate, size, bold) < profile.width_dots):
        em.image(raster.render_line(line, size, bold), line)


def _emit_columns(em: _Emitter, profile: PrinterProfile, element: Columns) -> None:
    left, right = nfc(element.left), nfc(element.right)
    if _native_fits(profile, left + right):
        columns = _columns_for(profile, element.size)
        em.align("left")
        em.style(element.size, element.bold)
        if len(left) + 1 + len(right) <= columns:
            row = left + " " * (columns - len(left) - len(right)) + right
            encoded = encode_native(row, profile.vietnamese) or b""
            em.text_line(row, encoded, _encoding_label(row, encoded))
            return
        # Too long for one row: the label, then the value indented under it.
        lines = wrap(left, lambda c: len(c) <= columns)
        lines += [INDENT + line for line in wrap(right, lambda c: len(INDENT + c) <= columns)]
        for line in lines:
            encoded = encode_native(line, profile.vietnamese) or b""
            em.text_line(line, encoded, _encoding_label(line, encoded))
        return
    _require_raster(profile, left + right)
    size = _RASTER_SIZE[element.size]
    bold = element.bold
    width = profile.width_dots
    gap = raster.text_width("  ", size, bold)
    left_width, right_width = raster.text_width(left, size, bold), raster.text_width(right, size, bold)
    em.align("left")
    if left_width + gap + right_width <= width:
        # Value right after the label: a full-width row would send ~70 bytes per dot row
        # of white space between them.
        row = f"{left} {right}"
        em.image(raster.render_line(row, size, bold), row)
        return
    lines = wrap(left, lambda c: raster.text_width(c, size, bold) < width)
    lines += [INDENT + line for line in wrap(right, lambda c: raster.text_width(INDENT + c, size, bold) < width)]
    for line in lines:
        em.image(raster.render_line(line, size, bold), line)


def _emit_separator(em: _Emitter, profile: PrinterProfile, element: Separator) -> None:
    char = nfc(element.char) or "-"
    em.align("left")
    if _native_fits(profile, char):
        em.style("normal", False)
        row = char * _columns_for(profile, "normal")
        encoded = encode_native(row, profile.vietnamese) or b""
        em.text_line(row, encoded, _encoding_label(row, encoded))
        return
    count = max(1, profile.width_dots // max(1, raster.text_width(char)))
    row = char * count
    while count > 1 and raster.text_width(row) >= profile.width_dots:
        count -= 1
        row = char * count
    em.image(raster.render_line(row), row)


def qr_module_dots(profile: PrinterProfile, module: int | None) -> int:
    """Dots per QR module: given, or 6 on 58 mm and 8 on 80 mm (native), 4 (0.5 mm) as raster."""
    if module is not None:
        return max(1, min(16, module))
    if profile.native_qr:
        return 6 if profile.width_dots < 500 else 8
    return 4


def _emit_qr(em: _Emitter, profile: PrinterProfile, element: QrCode) -> None:
    data = element.data.encode("utf-8")
    module = qr_module_dots(profile, element.module)
    em.align("center")
    if profile.native_qr:
        def fn(cn_fn_args: bytes) -> bytes:
            size = len(cn_fn_args)
            return GS + b"(k" + bytes([size & 0xFF, size >> 8]) + cn_fn_args

        command = (
            fn(b"\x31\x41\x32\x00")  # fn 165: model 2
            + fn(b"\x31\x43" + bytes([module]))  # fn 167: module size
            + fn(b"\x31\x45\x31")  # fn 169: error correction M
            + fn(b"\x31\x50\x30" + data)  # fn 180: store the data
            + fn(b"\x31\x51\x30")  # fn 181: print it
        )
        em.feed_dots(module)
        em.raw(command, PrintedLine("qr", element.data, "qr", len(command)))
        em.feed_dots(2 * module)
        return
    _require_raster(profile, element.data)
    # No quiet zone in the image: white paper around it is the quiet zone (fed, not sent).
    code = qrcode.QRCode(border=0, box_size=module, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix)
    small = Image.new("1", (side, side), 1)
    small.putdata([0 if cell else 1 for row in matrix for cell in row])
    image = small.resize((side * module, side * module), Image.Resampling.NEAREST)
    if image.width > profile.width_dots:
        image = small.resize((side * max(1, profile.width_dots // side),) * 2, Image.Resampling.NEAREST)
    em.feed_dots(2 * module)
    em.image(image, element.data, kind="qr-image")
    em.feed_dots(2 * module)


def _emit_feed(em: _Emitter, element: Feed) -> None:
    lines = max(0, min(255, element.lines))
    if lines:
        em.raw(ESC + b"d" + bytes([lines]), PrintedLine("feed", "", "feed", 3))


def _require_raster(profile: PrinterProfile, text: str) -> None:
    if not profile.raster:
        from hardware.printer.errors import PrinterConfigError

        raise PrinterConfigError(
            f"profile {profile.label} prints no raster images, so {text[:30]!r} cannot be printed correctly"
        )


def layout_slip(slip: Slip, profile: str | PrinterProfile | None = None, width_mm: int = 80) -> SlipRendering:
    """Render a slip to bytes, with the per-line decisions (see module docstring)."""
    resolved = profile if isinstance(profile, PrinterProfile) else resolve_profile(profile, width_mm)
    em = _Emitter()
    for element in slip.elements:
        if isinstance(element, Text):
            _emit_text(em, resolved, element)
        elif isinstance(element, Columns):
            _emit_columns(em, resolved, element)
        elif isinstance(element, Separator):
            _emit_separator(em, resolved, element)
        elif isinstance(element, QrCode):
            _emit_qr(em, resolved, element)
        elif isinstance(element, Feed):
            _emit_feed(em, element)
        else:  # pragma: no cover - a new element type without a renderer
            raise TypeError(f"unknown slip element {element!r}")
    em.style("normal", False)
    em.align("left")
    if slip.cut:
        em.out += ESC + b"d\x04" + GS + b"V\x42\x00"
    return SlipRendering(bytes(em.out), em.lines, resolved)


def render_slip(slip: Slip, profile: str | PrinterProfile | None = None, width_mm: int = 80) -> bytes:
    """The ESC/POS bytes of a slip for a printer profile (python-escpos model name) and paper width."""
    return layout_slip(slip, profile, width_mm).data
