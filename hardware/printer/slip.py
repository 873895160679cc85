"""Slips as plain data: a list of elements (text, two-column rows, separators, QR codes, feeds).

A slip says *what* to print, never how: `hardware.printer.layout.render_slip` turns it
into bytes for one printer profile and paper width, choosing per line between native
text and raster images. Every slip (the queue ticket, a dossier receipt, a rating
code) is built from these elements, usually through `SlipBuilder`:

    slip = (
        SlipBuilder()
        .text("UBND PHƯỜNG BẾN NGHÉ", "title")
        .separator()
        .text("A012", "huge", "center")
        .columns("Quầy", "3, 5")
        .qr("https://hall.example/t/A012")
        .text("Xin cảm ơn!", "small", "center")
        .build()
    )

Styles (combine freely): "title" (bold, centred, taller), "large" (2x), "huge" (4x, for
the ticket code), "small", "bold", "center", "right".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Size = Literal["small", "normal", "title", "large", "huge"]
Align = Literal["left", "center", "right"]

STYLE_NAMES = ("title", "large", "huge", "small", "bold", "center", "right", "left", "normal")


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped at word boundaries to the paper width."""

    text: str
    size: Size = "normal"
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class Columns:
    """A row: `left` at the left edge, `right` at the right edge (e.g. a label and its value)."""

    left: str
    right: str
    size: Size = "normal"
    bold: bool = False


@dataclass(frozen=True)
class Separator:
    """A horizontal rule across the paper, drawn with `char`."""

    char: str = "-"


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred. `module` is the dot size of one module (None: chosen by paper width)."""

    data: str
    module: int | None = None


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


Element = Text | Columns | Separator | QrCode | Feed


@dataclass(frozen=True)
class Slip:
    """A whole slip: its elements in order, then (by default) feed and cut."""

    elements: tuple[Element, ...] = ()
    cut: bool = True


def parse_styles(styles: tuple[str, ...] | list[str]) -> tuple[Size, bool, Align]:
    """Style words ("title", "bold center", ...) -> (size, bold, align)."""
    size: Size = "normal"
    bold = False
    align: Align = "left"
    for word in " ".join(styles).split():
        if word not in STYLE_NAMES:
            raise ValueError(f"unknown slip style {word!r}; known: {', '.join(STYLE_NAMES)}")
        if word == "title":
            size, bold, align = "title", True, "center"
        elif word in ("small", "large", "huge", "normal"):
            size = word  # type: ignore[assignment]
        elif word == "bold":
            bold = True
        elif word in ("center", "right", "left"):
            align = word  # type: ignore[assignment]
    return size, bold, align


@dataclass
class SlipBuilder:
    """Fluent builder of a `Slip`; each method appends one element and returns the builder."""

    elements: list[Element] = field(default_factory=list)

    def text(self, text: str, *styles: str) -> SlipBuilder:
        size, bold, align = parse_styles(styles)
        self.elements.append(Text(text, size, bold, align))
        return self

    def columns(self, left: str, right: str, *styles: str) -> SlipBuilder:
        size, bold, _ = parse_styles(styles)
        self.elements.append(Columns(left, right, size, bold))
        return self

    def separator(self, char: str = "-") -> SlipBuilder:
        self.elements.append(Separator(char))
        return self

    def qr(self, data: str, module: int | None = None) -> SlipBuilder:
        self.elements.append(QrCode(data, module))
        return self

    def feed(self, lines: int = 1) -> SlipBuilder:
        self.elements.append(Feed(lines))
        return self

    def build(self, cut: bool = True) -> Slip:
        return Slip(tuple(self.elements), cut)
