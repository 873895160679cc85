"""Vietnamese text -> printer bytes: only verified pages, never `?`, never a lost tone mark."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PIL import ImageChops

from hardware.printer import raster
from hardware.printer.profiles import resolve_profile
from hardware.printer.vietnamese import (
    TCVN3_LOWER,
    TCVN3_UPPER,
    VIETNAMESE_LETTERS,
    VietnamesePages,
    decode_native,
    encode_native,
    nfc,
)
from tests.hardware.emupos_helper import glibc_vn3

EPSON = resolve_profile("TM-T20II", 80).vietnamese  # TCVN-3 30/31 and CP1258 52
CP1258_ONLY = resolve_profile("RP326", 80).vietnamese  # CP1258 35
NONE = resolve_profile("P822D", 80).vietnamese
PAGES = {30: "TCVN-3-1", 31: "TCVN-3-2", 52: "CP1258", 35: "CP1258"}

vietnamese_text = st.text(alphabet=VIETNAMESE_LETTERS + "abcdđ ghklmnpqrstvx0123456789.,:-", max_size=60)


def _escpos_db_table(encoding: str) -> dict[int, str]:
    import escpos

    data = json.loads((Path(escpos.__file__).parent / "capabilities.json").read_text())
    chars = "".join(data["encodings"][encoding]["data"])
    return {0x80 + i: c for i, c in enumerate(chars) if c != " "}


def test_every_vietnamese_letter_is_counted() -> None:
    assert len(VIETNAMESE_LETTERS) == 24 * 6 + 2
    assert VIETNAMESE_LETTERS == nfc(VIETNAMESE_LETTERS)


def test_tcvn3_tables_agree_with_escpos_printer_db() -> None:
    db_lower = _escpos_db_table("TCVN-3-1")
    db_upper = {b: ("Đ" if c == "Ð" else c) for b, c in _escpos_db_table("TCVN-3-2").items()}  # the db's Đ typo
    assert TCVN3_LOWER == db_lower
    assert TCVN3_UPPER == db_upper


def test_tcvn3_tables_agree_with_glibc_tcvn5712() -> None:
    glibc = glibc_vn3()
    for byte, letter in TCVN3_LOWER.items():
        assert glibc[byte] == letter, hex(byte)
    for byte, letter in TCVN3_UPPER.items():  # the capital page: capitals at the same positions
        assert glibc[byte].upper() == letter, hex(byte)


def test_tcvn3_pair_holds_every_vietnamese_letter() -> None:
    assert set(VIETNAMESE_LETTERS) <= set(TCVN3_LOWER.values()) | set(TCVN3_UPPER.values()) | set("aeiouyAEIOUY")


def test_epson_profile_prints_the_whole_alphabet_natively() -> None:
    encoded = encode_native(VIETNAMESE_LETTERS, EPSON)
    assert encoded is not None
    assert b"?" not in encoded
    assert decode_native(encoded, PAGES) == VIETNAMESE_LETTERS


def test_cp1258_is_used_only_for_precomposed_letters() -> None:
    assert encode_native("Đăng ký", CP1258_ONLY) is None  # ý needs a combining mark in CP1258
    assert encode_native("Quầy", CP1258_ONLY) is None
    encoded = encode_native("Cơ quan tư pháp", CP1258_ONLY)  # ơ ư á: one byte each
    assert encoded is not None and decode_native(encoded, PAGES) == "Cơ quan tư pháp"
    assert all(not unicodedata.combining(c) for c in encoded.decode("cp1258", errors="ignore") if c.isalpha())


def test_no_vietnamese_page_means_no_native_vietnamese() -> None:
    assert encode_native("Hello 123", NONE) == b"Hello 123"
    assert encode_native("Xin chào", NONE) is None


def test_decomposed_input_is_normalised_first() -> None:
    decomposed = unicodedata.normalize("NFD", "Thời gian chờ dự kiến")
    assert encode_native(decomposed, EPSON) == encode_native("Thời gian chờ dự kiến", EPSON)


@given(vietnamese_text)
def test_native_bytes_round_trip_or_refuse(text: str) -> None:
    for pages in (EPSON, CP1258_ONLY, NONE, VietnamesePages()):
        encoded = encode_native(text, pages)
        if encoded is None:
            continue
        assert decode_native(encoded, PAGES) == nfc(text)
        assert encoded.count(b"?") == text.count("?")


def test_the_raster_font_draws_every_letter_distinctly() -> None:
    """Each letter (and tone) of the alphabet is its own glyph, not a box and not a neighbour's."""
    for size in ("small", "normal"):
        seen: dict[bytes, str] = {}
        missing = raster.render_line("\uffff", size).tobytes()
        for letter in VIETNAMESE_LETTERS:
            dots = raster.render_line(letter, size, width=32).tobytes()
            assert dots != missing, letter
            assert dots not in seen, (letter, seen.get(dots))
            seen[dots] = letter


def test_raster_of_decomposed_text_equals_precomposed() -> None:
    text = "Số người chờ trước bạn"
    a = raster.render_line(nfc(unicodedata.normalize("NFD", text)))
    b = raster.render_line(text)
    assert ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None
