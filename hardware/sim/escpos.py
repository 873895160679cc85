"""The simulator's ESC/POS interpreter: splits a byte stream into commands and draws jobs as PNG.

Two parts:

* `Tokenizer` - incremental: feed it bytes as they arrive, get `Token`s back. It
  knows how long every command it recognises is, so bytes inside raster data are
  never mistaken for a status request (DLE EOT) or a cut (GS V). The virtual
  printer uses it to answer DLE EOT in real time and to split jobs at cuts.
* `render_job` - draws a whole job like a 203 dpi thermal printer: text in cells of
  12x24 (Font A) or 9x17 (Font B) dots (DejaVu Sans Condensed centred in each cell
  stands in for the ROM font),
  code pages decoded per the profile (TCVN-3, CP1258, the usual PC pages),
  `GS v 0` raster images, native QR codes (`GS ( k`) and `ESC *` bit images. A CP1258
  combining tone mark is drawn in its own cell, beside its letter, as a cheap printer
  does. Returns a 1-bit image and a text dump (one line per printed line; images as
  `[image WxH]`, QR codes as `[qr DATA]`).

This is the simulator's own renderer, not a test oracle: tests check our bytes with
emupos, an independent interpreter.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageChops, ImageDraw, ImageFont

from hardware.printer.vietnamese import VERIFIED_ENCODINGS

FONT_CELL = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "DejaVuSansCondensed.ttf"


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "command", "unknown"
    name: str  # command name as in the Epson reference, e.g. "GS v 0"
    raw: bytes
    params: bytes = b""
    data: bytes = b""


def _u16(params: bytes, offset: int) -> int:
    return params[offset] + params[offset + 1] * 256


# prefix -> (name, number of parameter bytes, data length from params or None)
_COMMANDS: dict[bytes, tuple[str, int, object]] = {
    b"\x10\x04": ("DLE EOT", 1, lambda p: 1 if p[0] in (7, 8, 18) else 0),
    b"\x10\x05": ("DLE ENQ", 1, None),
    b"\x10\x14": ("DLE DC4", 1, lambda p: {1: 2, 2: 2, 3: 5, 7: 1, 8: 7}.get(p[0], 0)),
    b"\x0a": ("LF", 0, None),
    b"\x0d": ("CR", 0, None),
    b"\x09": ("HT", 0, None),
    b"\x1b\x40": ("ESC @", 0, None),
    b"\x1b\x61": ("ESC a", 1, None),
    b"\x1b\x45": ("ESC E", 1, None),
    b"\x1b\x47": ("ESC G", 1, None),
    b"\x1b\x21": ("ESC !", 1, None),
    b"\x1b\x2d": ("ESC -", 1, None),
    b"\x1b\x4d": ("ESC M", 1, None),
    b"\x1b\x74": ("ESC t", 1, None),
    b"\x1b\x52": ("ESC R", 1, None),
    b"\x1b\x64": ("ESC d", 1, None),
    b"\x1b\x4a": ("ESC J", 1, None),
    b"\x1b\x32": ("ESC 2", 0, None),
    b"\x1b\x33": ("ESC 3", 1, None),
    b"\x1b\x20": ("ESC SP", 1, None),
    b"\x1b\x24": ("ESC $", 2, None),
    b"\x1b\x5c": ("ESC \\", 2, None),
    b"\x1b\x7b": ("ESC {", 1, None),
    b"\x1b\x56": ("ESC V", 1, None),
    b"\x1b\x72": ("ESC r", 1, None),
    b"\x1b\x3d": ("ESC =", 1, None),
    b"\x1b\x55": ("ESC U", 1, None),
    b"\x1b\x70": ("ESC p", 3, None),
    b"\x1b\x69": ("ESC i", 0, None),
    b"\x1b\x6d": ("ESC m", 0, None),
    b"\x1b\x2a": ("ESC *", 3, lambda p: _u16(p, 1) * (3 if p[0] in (32, 33) else 1)),
    b"\x1d\x21": ("GS !", 1, None),
    b"\x1d\x42": ("GS B", 1, None),
    b"\x1d\x62": ("GS b", 1, None),
    b"\x1d\x4c": ("GS L", 2, None),
    b"\x1d\x57": ("GS W", 2, None),
    b"\x1d\x50": ("GS P", 2, None),
    b"\x1d\x56": ("GS V", 1, lambda p: 1 if p[0] in (65, 66, 97, 98, 103, 104) else 0),
    b"\x1d\x72": ("GS r", 1, None),
    b"\x1d\x61": ("GS a", 1, None),
    b"\x1d\x49": ("GS I", 1, None),
    b"\x1d\x77": ("GS w", 1, None),
    b"\x1d\x68": ("GS h", 1, None),
    b"\x1d\x48": ("GS H", 1, None),
    b"\x1d\x66": ("GS f", 1, None),
    b"\x1d\x76\x30": ("GS v 0", 5, lambda p: _u16(p, 1) * _u16(p, 3)),
    b"\x1d\x28\x6b": ("GS ( k", 2, lambda p: _u16(p, 0)),
    b"\x1d\x28\x4c": ("GS ( L", 2, lambda p: _u16(p, 0)),
    b"\x1d\x38\x4c": ("GS 8 L", 4, lambda p: int.from_bytes(p, "little")),
    b"\x1d\x28": ("GS (", 3, lambda p: _u16(p, 1)),
    b"\x1c\x2e": ("FS .", 0, None),
    b"\x1c\x26": ("FS &", 0, None),
}
_LONGEST = max(len(prefix) for prefix in _COMMANDS)


def _barcode_length(stream: bytes, start: int, m: int) -> int | None:
    if m <= 6:
        end = stream.find(0, start)
        return None if end < 0 else end - start + 1
    return None if start >= len(stream) else 1 + stream[start]


def next_token(stream: bytes, start: int) -> Token | None:
    """The token starting at `start`, or None when more bytes are needed to know it."""
    if stream[start] >= 0x20:
        end = start
        while end < len(stream) and stream[end] >= 0x20:
            end += 1
        return Token("text", "text", stream[start:end])
    head = stream[start : start + _LONGEST]
    if any(len(prefix) > len(head) and prefix.startswith(head) for prefix in _COMMANDS):
        return None
    for size in range(len(head), 0, -1):
        spec = _COMMANDS.get(head[:size])
        if spec is None:
            continue
        name, nparams, length = spec
        data_start = start + size + nparams
        if data_start > len(stream):
            return None
        params = stream[start + size : data_start]
        ndata = length(params) if callable(length) else 0
        end = data_start + ndata
        if end > len(stream):
            return None
        return Token("command", name, stream[start:end], params, stream[data_start:end])
    if head[:2] == b"\x1dk":  # GS k m: barcode, data length depends on m
        if len(head) < 3:
            return None
        n = _barcode_length(stream, start + 3, head[2])
        if n is None:
            return None
        return Token("command", "GS k", stream[start : start + 3 + n], head[2:3], stream[start + 3 : start + 3 + n])
    if head[0] in (0x10, 0x1B, 0x1C, 0x1D):
        if len(head) < 2:
            return None
        return Token("unknown", "unknown", head[:2])
    return Token("unknown", "unknown", head[:1])


class Tokenizer:
    """Incremental tokenizer: keeps an incomplete command until its remaining bytes arrive."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[Token]:
        self._pending += data
        stream = bytes(self._pending)
        tokens: list[Token] = []
        position = 0
        while position < len(stream):
            token = next_token(stream, position)
            if token is None:
                break
            tokens.append(token)
            position += len(token.raw)
        del self._pending[:position]
        return tokens

    @property
    def pending(self) -> bytes:
        return bytes(self._pending)


def tokenize(data: bytes) -> list[Token]:
    """All tokens of a complete byte string (a trailing incomplete command is dropped)."""
    return Tokenizer().feed(data)


# --- rendering ---------------------------------------------------------------------------

_CELL = {"A": (12, 24, 20, 19), "B": (9, 17, 15, 14)}  # width, height, font px, baseline


@lru_cache(maxsize=4)
def _cell_font(pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_CELL), pixels)


@lru_cache(maxsize=8192)
def _cell(char: str, font: str, width: int, height: int, bold: bool) -> Image.Image:
    cw, ch, px, base = _CELL[font]
    image = Image.new("1", (cw, ch), 1)
    draw = ImageDraw.Draw(image)
    if char == "\ufffd":  # no glyph: a crossed box, as a printer's missing-glyph mark
        draw.rectangle((1, 1, cw - 2, ch - 2), outline=0)
        draw.line((1, ch - 2, cw - 2, 1), fill=0)
    else:
        font = _cell_font(px)
        x0, y0, x1, y1 = font.getbbox(char, anchor="ls")
        above = max(0, -(y0 + base))  # rows of a stacked mark above the cell
        wide = max(cw, x1 - min(x0, 0) + 1)
        canvas = Image.new("L", (wide, ch + above), 255)
        left = (wide - (x1 - x0)) // 2 - x0  # centred in the cell, like a monospace ROM glyph
        ImageDraw.Draw(canvas).text((left, base + above), char, font=font, fill=0, anchor="ls")
        if canvas.size != (cw, ch):  # squeeze it into the cell, as a ROM font's glyph would be
            canvas = canvas.resize((cw, ch), Image.Resampling.LANCZOS)
        image = canvas.point(lambda v: 0 if v < 150 else 255).convert("1")
    if bold:
        shifted = Image.new("1", (cw, ch), 1)
        shifted.paste(image.crop((0, 0, cw - 1, ch)), (1, 0))
        image = ImageChops.logical_and(image, shifted)
    if (width, height) != (1, 1):
        image = image.resize((cw * width, ch * height), Image.Resampling.NEAREST)
    return image


def _decoder(encoding: str | None):
    """A function byte -> character for a python-escpos encoding name."""
    if encoding in VERIFIED_ENCODINGS:
        table = {byte: char for char, byte in VERIFIED_ENCODINGS[encoding].items()}
        return lambda byte: table.get(byte, "\ufffd")
    python = _python_codec(encoding)
    if python is None:
        return lambda byte: "\ufffd"

    def decode(byte: int) -> str:
        try:
            return bytes([byte]).decode(python)
        except UnicodeDecodeError:
            return "\ufffd"

    return decode


def _python_codec(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        from escpos.capabilities import CAPABILITIES

        name = CAPABILITIES["encodings"].get(encoding, {}).get("python_encode")
    except Exception:  # pragma: no cover - python-escpos missing
        name = None
    for candidate in (name, encoding.lower()):
        if candidate:
            try:
                return codecs.lookup(candidate).name
            except LookupError:
                continue
    return None


@dataclass
class RenderedJob:
    image: Image.Image
    text: str

    def save_png(self, path: str | Path) -> Path:
        path = Path(path)
        self.image.save(path)
        return path


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    font: str = "A"
    code_page: int = 0
    line_spacing: int = 30
    qr_module: int = 3
    qr_ec: str = "L"
    qr_data: bytes = b""
    line: list[tuple[int, Image.Image]] = field(default_factory=list)
    line_text: str = ""
    x: int = 0


class _Paper:
    def __init__(self, width: int) -> None:
        self.width = width
        self.strips: list[tuple[int, Image.Image]] = []
        self.y = 0
        self.text: list[str] = []

    def place(self, image: Image.Image, align: int) -> int:
        return {0: 0, 1: (self.width - image.width) // 2, 2: self.width - image.width}.get(align, 0)

    def block(self, image: Image.Image, align: int, text: str) -> None:
        strip = Image.new("1", (self.width, image.height), 1)
        strip.paste(image, (max(0, self.place(image, align)), 0))
        self.strips.append((self.y, strip))
        self.y += image.height
        self.text.append(text)

    def render(self) -> Image.Image:
        canvas = Image.new("1", (self.width, max(1, self.y)), 1)
        for top, strip in self.strips:
            canvas.paste(strip, (0, top))
        return canvas


def render_job(data: bytes, width_dots: int = 576, code_pages: dict[int, str] | None = None) -> RenderedJob:
    """Draw a job's bytes. `code_pages`: ESC t number -> python-escpos encoding name."""
    pages = {0: "CP437", **(code_pages or {})}
    decoders: dict[int, object] = {}
    paper = _Paper(width_dots)
    s = _State()

    def print_line(feed: int | None = None) -> None:
        height = max((img.height for _, img in s.line), default=0)
        if s.line:
            extent = max(x + img.width for x, img in s.line)
            left = paper.place(Image.new("1", (min(extent, width_dots), 1)), s.align)
            strip = Image.new("1", (width_dots, height), 1)
            for x, img in s.line:
                strip.paste(img, (left + x, height - img.height), ImageChops.invert(img.convert("L")).convert("1"))
            paper.strips.append((paper.y, strip))
        paper.text.append(s.line_text.rstrip())
        paper.y += max(s.line_spacing if feed is None else feed, height)
        s.line, s.line_text, s.x = [], "", 0

    def add_text(raw: bytes) -> None:
        decode = decoders.setdefault(s.code_page, _decoder(pages.get(s.code_page)))
        for byte in raw:
            char = chr(byte) if byte < 0x80 else decode(byte)  # type: ignore[operator]
            cell = _cell(char, s.font, s.width, s.height, s.bold)
            if s.x + cell.width > width_dots and s.line:
                print_line()
            s.line.append((s.x, cell))
            s.line_text += char
            s.x += cell.width

    for token in tokenize(data):
        if token.kind == "text":
            add_text(token.raw)
            continue
        name, p = token.name, token.params
        if name == "LF":
            print_line()
        elif name == "ESC @":
            s = _State()
        elif name == "ESC a" and not s.line:
            s.align = p[0] % 48
        elif name in ("ESC E", "ESC G"):
            s.bold = bool(p[0] & 1)
        elif name == "ESC !":
            s.font = "B" if p[0] & 1 else "A"
            s.bold = bool(p[0] & 8)
            s.height = 2 if p[0] & 0x10 else 1
            s.width = 2 if p[0] & 0x20 else 1
        elif name == "GS !":
            s.width, s.height = (p[0] >> 4 & 7) + 1, (p[0] & 7) + 1
        elif name == "ESC M":
            s.font = "B" if p[0] % 48 == 1 else "A"
        elif name == "ESC t":
            s.code_page = p[0]
        elif name == "ESC 2":
            s.line_spacing = 30
        elif name == "ESC 3":
            s.line_spacing = p[0]
        elif name == "ESC d":
            if s.line:
                print_line(p[0] * s.line_spacing)
            else:
                paper.y += p[0] * s.line_spacing
                paper.text += [""] * p[0]
        elif name == "ESC J":
            if s.line:
                print_line(p[0])
            else:
                paper.y += p[0]
        elif name == "GS v 0":
            if s.line:
                print_line()
            width, height = _u16(p, 1) * 8, _u16(p, 3)
            if width and height:
                image = Image.frombytes("1", (width, height), bytes(255 - b for b in token.data), "raw", "1")
                scale = {0: (1, 1), 1: (2, 1), 2: (1, 2), 3: (2, 2)}.get(p[0] % 48, (1, 1))
                if scale != (1, 1):
                    image = image.resize((width * scale[0], height * scale[1]), Image.Resampling.NEAREST)
                paper.block(image, s.align, f"[image {image.width}x{image.height}]")
        elif name == "ESC *":
            columns = _u16(p, 1)
            rows = 24 if p[0] in (32, 33) else 8
            if columns:
                image = Image.frombytes("1", (rows, columns), bytes(255 - b for b in token.data), "raw", "1")
                image = image.transpose(Image.Transpose.TRANSPOSE)
                s.line.append((s.x, image))
                s.line_text += f"[image {columns}x{rows}]"
                s.x += image.width
        elif name == "GS ( k" and len(token.data) >= 2 and token.data[0] == 49:
            fn, args = token.data[1], token.data[2:]
            if fn == 67 and args:
                s.qr_module = max(1, min(16, args[0]))
            elif fn == 69 and args:
                s.qr_ec = "LMQH"[(args[0] - 48) % 4]
            elif fn == 80:
                s.qr_data = args[1:]
            elif fn == 81 and s.qr_data:
                if s.line:
                    print_line()
                level = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
                         "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}[s.qr_ec]
                code = qrcode.QRCode(border=0, box_size=s.qr_module, error_correction=level)
                code.add_data(s.qr_data)
                code.make(fit=True)
                image = code.make_image(fill_color="black", back_color="white").get_image().convert("1")
                paper.block(image, s.align, f"[qr {s.qr_data.decode('utf-8', errors='replace')}]")
        elif name == "GS V":
            if s.line:
                print_line()
            paper.y += 8
            paper.strips.append((paper.y, _cut_mark(width_dots)))
            paper.y += 4
            paper.text.append("[cut]")
    if s.line:
        print_line()
    while paper.text and not paper.text[-1]:
        paper.text.pop()
    return RenderedJob(paper.render(), "\n".join(paper.text) + "\n")


def _cut_mark(width: int) -> Image.Image:
    mark = Image.new("1", (width, 2), 1)
    draw = ImageDraw.Draw(mark)
    for x in range(0, width, 12):
        draw.line((x, 0, x + 5, 0), fill=0)
    return mark
