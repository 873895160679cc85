"""Vietnamese text as printer code-page bytes, only where the result is verified correct.

A line of text goes to the printer in the cheapest *correct* form:

1. plain ASCII: the bytes themselves (every ESC/POS code page has ASCII in 0x20-0x7E);
2. a verified Vietnamese code page of the profile, one byte per letter, switching
   pages with `ESC t n` where needed (see `encode_native`);
3. otherwise the caller rasterises the line (`hardware.printer.raster`).

Which code pages count as verified:

* **TCVN-3** (Epson "TCVN-3 (Vietnamese)" pages, python-escpos encodings `TCVN-3-1`
  and `TCVN-3-2`, usually `ESC t 30` and `ESC t 31`). TCVN-3 (TCVN 5712:1993 VN3)
  stores every lowercase letter with its tone mark as ONE precomposed byte, so
  nothing has to be stacked by the printer. The lowercase page is the VN3 table; the
  second page holds the capitals at the same byte positions (the convention of the
  VN3 "H" capital fonts). The tables below were checked byte by byte against two
  independent sources: the escpos-printer-db data shipped in python-escpos
  (which spells Đ as U+00D0 "Ð", fixed here) and glibc's `TCVN5712-1` converter
  (`tests/hardware/test_hw_vietnamese.py` repeats that check). They have not been
  checked on a physical printer by us.
* **CP1258**, but only for the letters CP1258 holds precomposed in one byte
  (à á â ă đ ê è é í ó ô ơ ù ú ư and capitals). CP1258 writes every other tone mark as
  a separate combining byte, which cheap printers print beside the letter instead
  of on it; a line that needs one is rasterised instead.

Everything is NFC-normalised first. Nothing here ever produces `?`: a character
that no verified page holds makes `encode_native` return None.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# VN3 lowercase page (python-escpos "TCVN-3-1"): byte -> letter.
TCVN3_LOWER: dict[int, str] = {
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip

# VN3 capital page (python-escpos "TCVN-3-2"): the capitals at the lowercase positions,
# plus Ă Â Đ where VN3 itself has them (0xA1, 0xA2, 0xA7).
TCVN3_UPPER: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA7: "Đ",
    **{byte: letter.upper() for byte, letter in TCVN3_LOWER.items() if byte not in (0xA8, 0xA9, 0xAE)},
}

_TCVN3_LOWER_ENCODE = {letter: byte for byte, letter in TCVN3_LOWER.items()}
_TCVN3_UPPER_ENCODE = {letter: byte for byte, letter in TCVN3_UPPER.items()}


def _cp1258_single_bytes() -> dict[str, int]:
    table: dict[str, int] = {}
    for byte in range(0x80, 0x100):
        try:
            char = bytes([byte]).decode("cp1258")
        except UnicodeDecodeError:
            continue
        if unicodedata.category(char).startswith("L"):  # letters only: no combining marks
            table[char] = byte
    return table


_CP1258_ENCODE = _cp1258_single_bytes()

# python-escpos encoding names we trust, and how each encodes a (non-ASCII) character.
VERIFIED_ENCODINGS: dict[str, dict[str, int]] = {
    "TCVN-3-1": _TCVN3_LOWER_ENCODE,
    "TCVN-3-2": _TCVN3_UPPER_ENCODE,
    "CP1258": _CP1258_ENCODE,
}

# Every letter of the Vietnamese alphabet with every tone, NFC (134 letters + đ Đ).
VIETNAMESE_LETTERS: str = "".join(
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
) + "đĐ"


def nfc(text: str) -> str:
    """NFC-normalise: combining tone marks become the precomposed letter."""
    return unicodedata.normalize("NFC", text)


def is_printable_ascii(text: str) -> bool:
    """True when every character is printable ASCII (0x20-0x7E)."""
    return all(" " <= char <= "~" for char in text)


@dataclass(frozen=True)
class VietnamesePages:
    """The verified Vietnamese code pages a printer profile has: encoding name -> ESC t number."""

    pages: tuple[tuple[str, int], ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.pages)

    def names(self) -> list[str]:
        return [name for name, _ in self.pages]


def pages_from_profile(code_pages: dict[str, str]) -> VietnamesePages:
    """Pick the verified Vietnamese pages from python-escpos `codePages` ({number: encoding}).

    TCVN-3 needs both halves (lower and capital page); CP1258 stands alone.
    Lower numbers win when a profile lists an encoding twice.
    """
    found: dict[str, int] = {}
    for number, encoding in sorted(code_pages.items(), key=lambda item: int(item[0])):
        if encoding in VERIFIED_ENCODINGS and encoding not in found:
            found[encoding] = int(number)
    if not ("TCVN-3-1" in found and "TCVN-3-2" in found):
        found.pop("TCVN-3-1", None)
        found.pop("TCVN-3-2", None)
    order = ["TCVN-3-1", "TCVN-3-2", "CP1258"]
    return VietnamesePages(tuple((name, found[name]) for name in order if name in found))


def encode_native(text: str, pages: VietnamesePages) -> bytes | None:
    """Text as printer bytes with `ESC t n` switches, or None when a character has no verified byte.

    Pure ASCII text comes back unchanged (no page switch). Otherwise a page is
    selected before the first non-ASCII character, and switched only when the next
    character is not in the current page. Of the ways that work (TCVN-3 pair, CP1258)
    the one with fewer bytes is returned.
    """
    text = nfc(text)
    if is_printable_ascii(text):
        return text.encode("ascii")
    best: bytes | None = None
    groups = []
    names = pages.names()
    if "TCVN-3-1" in names:
        groups.append(["TCVN-3-1", "TCVN-3-2"])
    if "CP1258" in names:
        groups.append(["CP1258"])
    numbers = dict(pages.pages)
    for group in groups:
        encoded = _encode_with(text, [(name, numbers[name]) for name in group])
        if encoded is not None and (best is None or len(encoded) < len(best)):
            best = encoded
    return best


def _encode_with(text: str, pages: list[tuple[str, int]]) -> bytes | None:
    out = bytearray()
    current: int | None = None
    for char in text:
        if " " <= char <= "~":
            out.append(ord(char))
            continue
        if current is not None:
            table = VERIFIED_ENCODINGS[next(name for name, number in pages if number == current)]
            if char in table:
                out.append(table[char])
                continue
        for name, number in pages:
            table = VERIFIED_ENCODINGS[name]
            if char in table:
                out += b"\x1bt" + bytes([number])
                current = number
                out.append(table[char])
                break
        else:
            return None
    return bytes(out)


def decode_native(data: bytes, pages: dict[int, str], start_page: int | None = None) -> str:
    """Inverse of `encode_native` for tests and the simulator: bytes with ESC t switches -> text.

    `pages` maps ESC t numbers to encoding names; bytes of unknown pages decode to U+FFFD.
    """
    decoders = {name: {byte: char for char, byte in table.items()} for name, table in VERIFIED_ENCODINGS.items()}
    out: list[str] = []
    current = start_page
    index = 0
    while index < len(data):
        byte = data[index]
        if data[index : index + 2] == b"\x1bt" and index + 2 < len(data):
            current = data[index + 2]
            index += 3
            continue
        if byte < 0x80:
            out.append(chr(byte))
        else:
            name = pages.get(current) if current is not None else None
            out.append(decoders.get(name, {}).get(byte, "\ufffd") if name else "\ufffd")
        index += 1
    return "".join(out)
