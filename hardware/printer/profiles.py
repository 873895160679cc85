"""Printer profiles: a python-escpos capabilities model name plus the paper width.

`resolve_profile("TM-T20II", 80)` gives a `PrinterProfile` with the printable width in
dots, the verified Vietnamese code pages the model has, and whether it prints QR codes
natively. `None` as the name means "a printer we know nothing about": ASCII native,
everything else as raster images, QR as an image, which prints correctly on any
ESC/POS printer that supports `GS v 0`.

Paper: 58 mm = 384 dots, 80 mm = 576 dots (203 dpi). When the profile says the model
prints fewer dots (e.g. TM-T88 series: 512), the smaller width is used.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hardware.printer.errors import PrinterConfigError, UnknownProfile
from hardware.printer.vietnamese import VietnamesePages, pages_from_profile

PAPER_DOTS: dict[int, int] = {58: 384, 80: 576}
FONT_A = (12, 24)  # cell width, height in dots (Epson Font A)
FONT_B = (9, 17)


@dataclass(frozen=True)
class PrinterProfile:
    """What the slip renderer needs to know about a printer."""

    name: str | None
    width_mm: int
    width_dots: int
    vietnamese: VietnamesePages
    native_qr: bool
    raster: bool = True

    @property
    def label(self) -> str:
        return self.name or "generic"

    def columns(self, font: str = "A", multiplier: int = 1) -> int:
        cell = FONT_A if font == "A" else FONT_B
        return self.width_dots // (cell[0] * multiplier)


@lru_cache(maxsize=1)
def _capabilities() -> dict[str, Any]:
    from escpos.capabilities import CAPABILITIES  # loads the printer database once

    return CAPABILITIES


def profile_names() -> list[str]:
    """Every model name python-escpos knows."""
    return sorted(_capabilities()["profiles"])


@lru_cache(maxsize=64)
def resolve_profile(name: str | None = None, width_mm: int = 80) -> PrinterProfile:
    """Look up a profile by python-escpos model name (case-insensitive) for a paper width.

    Raises UnknownProfile (listing close matches) for a name python-escpos does not know,
    and PrinterConfigError for a width other than 58 or 80.
    """
    if width_mm not in PAPER_DOTS:
        raise PrinterConfigError(f"paper width must be 58 or 80 mm, not {width_mm}")
    dots = PAPER_DOTS[width_mm]
    if name is None or name.lower() in ("", "generic", "none"):
        return PrinterProfile(None, width_mm, dots, VietnamesePages(), native_qr=False)
    profiles = _capabilities()["profiles"]
    by_lower = {key.lower(): key for key in profiles}
    key = by_lower.get(name.lower())
    if key is None:
        matches = difflib.get_close_matches(name.lower(), list(by_lower), n=5, cutoff=0.5)
        raise UnknownProfile(name, [by_lower[m] for m in matches])
    data = profiles[key]
    features = data.get("features", {})
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    if isinstance(pixels, int) and 0 < pixels < dots:
        dots = pixels - pixels % 8
    return PrinterProfile(
        name=key,
        width_mm=width_mm,
        width_dots=dots,
        vietnamese=pages_from_profile(data.get("codePages", {})),
        native_qr=bool(features.get("qrCode")),
        raster=bool(features.get("bitImageRaster", True)),
    )


def code_page_table(name: str | None) -> dict[int, str]:
    """ESC t number -> python-escpos encoding name for a profile (empty for the generic one)."""
    if name is None or name.lower() in ("", "generic", "none"):
        return {}
    resolved = resolve_profile(name, 80)
    data = _capabilities()["profiles"][resolved.name]
    return {int(number): encoding for number, encoding in data.get("codePages", {}).items()}
