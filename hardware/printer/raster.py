"""Lines of text drawn as 1-bit images with the shipped font, and images as ESC/POS raster bytes.

Used for every line a printer cannot print correctly from its own code pages
(Vietnamese on printers without a verified Vietnamese page, other scripts, big
non-ASCII text). The font is DejaVu Sans Condensed from `assets/fonts` (see its
README for the licence), so a kiosk needs no system font.

Each text size has a fixed line box (height and baseline) that holds the tallest
Vietnamese capital with a stacked mark (e.g. "Ẫ") and the deepest descender
(e.g. "ỵ"), so lines sit evenly whatever letters they hold. Images are cropped
to the ink horizontally, rounded up to whole bytes, and placed by the printer's
own justification (ESC a), so a short centred line costs only its own width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSansCondensed.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSansCondensed-Bold.ttf"

# Pixel size of the font for each text size (203 dpi: 20 px = 2.5 mm em, x-height about
# 11 dots, like a printer's Font A).
FONT_PIXELS: dict[str, int] = {"small": 17, "normal": 20, "title": 23, "large": 40, "huge": 80}

_TALLEST = "ẪỄỖẤẾỐỰỬỮỸÃ"
_DEEPEST = "gjpqyỵỹạ"


@dataclass(frozen=True)
class LineFont:
    """A font at one size with the line box every raster line of that size uses."""

    font: ImageFont.FreeTypeFont
    baseline: int  # rows above the baseline, within the box
    height: int  # box height in rows


@lru_cache(maxsize=16)
def line_font(size: str = "normal", bold: bool = False) -> LineFont:
    """The font and line box for a text size ("small", "normal", "large", "huge")."""
    pixels = FONT_PIXELS[size]
    font = ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), pixels)
    top = font.getbbox(_TALLEST, anchor="ls")[1]  # negative: above the baseline
    bottom = font.getbbox(_DEEPEST, anchor="ls")[3]
    baseline = -top + 1
    return LineFont(font, baseline, baseline + bottom + 1)


def text_width(text: str, size: str = "normal", bold: bool = False) -> int:
    """Width in dots the text takes when drawn as a raster line."""
    return math.ceil(line_font(size, bold).font.getlength(text))


def render_line(text: str, size: str = "normal", bold: bool = False, width: int | None = None) -> Image.Image:
    """One line of text as a 1-bit image (mode "1", 0 = ink), cropped to whole bytes.

    With `width`, the image is exactly that wide (text left-aligned); without, it is
    as wide as the text, rounded up to a multiple of 8 dots.
    """
    lf = line_font(size, bold)
    needed = text_width(text, size, bold) + 1
    image_width = width if width is not None else max(8, _round8(needed))
    image = Image.new("L", (image_width, lf.height), 255)
    ImageDraw.Draw(image).text((0, lf.baseline), text, font=lf.font, fill=0, anchor="ls")
    return _to_dots(image)


def render_columns(left: str, right: str, width: int, size: str = "normal", bold: bool = False) -> Image.Image:
    """Two texts on one line: `left` at the left edge, `right` flush with the right edge."""
    lf = line_font(size, bold)
    image = Image.new("L", (_round8(width), lf.height), 255)
    draw = ImageDraw.Draw(image)
    draw.text((0, lf.baseline), left, font=lf.font, fill=0, anchor="ls")
    draw.text((width - 1, lf.baseline), right, font=lf.font, fill=0, anchor="rs")
    return _to_dots(image)


# Grey levels darker than this burn a dot. Above the midpoint: strokes come out a little
# bolder than the outline, so thin tone marks survive on a thermal head.
INK_THRESHOLD = 170
_THRESHOLD_TABLE = [0 if level < INK_THRESHOLD else 255 for level in range(256)]


def _to_dots(image: Image.Image) -> Image.Image:
    """Anti-aliased grey text -> 1-bit dots (0 = ink)."""
    return image.point(_THRESHOLD_TABLE).convert("1", dither=Image.Dither.NONE)


_INVERT = bytes(255 - n for n in range(256))


def ink_rows(image: Image.Image) -> tuple[int, int]:
    """(first, end) rows that hold ink; (0, 0) for a blank image."""
    box = ImageOps.invert(image.convert("L")).getbbox()
    return (box[1], box[3]) if box else (0, 0)


def raster_bytes(image: Image.Image) -> bytes:
    """`GS v 0` (print raster bit image, normal scale) for a mode "1" image whose width is a multiple of 8."""
    if image.mode != "1":
        image = image.convert("1")
    if image.width % 8:
        padded = Image.new("1", (_round8(image.width), image.height), 1)
        padded.paste(image, (0, 0))
        image = padded
    row_bytes = image.width // 8
    # PIL packs white as 1; ESC/POS wants 1 for a burnt (black) dot.
    data = image.tobytes().translate(_INVERT)
    header = b"\x1dv0\x00" + bytes([row_bytes & 0xFF, row_bytes >> 8, image.height & 0xFF, image.height >> 8])
    return header + data


def _round8(value: int) -> int:
    return (value + 7) // 8 * 8
