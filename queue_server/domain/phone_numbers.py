"""Vietnamese mobile numbers in the forms people type them: 0912 345 678, +84 912 345 678,
84912345678, (091) 234-5678. One stored form: 0 and nine digits. Anything else is refused
with the reason, so a field error can name it."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s.\-()]")


class NotAPhoneNumber(ValueError):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def normalise(text: str) -> str:
    """The number as 0XXXXXXXXX (10 digits), or NotAPhoneNumber."""
    raw = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) == 11:
        raw = "0" + raw[2:]
    if not raw.isascii() or not raw.isdigit():
        raise NotAPhoneNumber("Số điện thoại chỉ gồm chữ số (ví dụ 0912 345 678).",
                              "A phone number has digits only (e.g. 0912 345 678).")
    if len(raw) != 10 or not raw.startswith("0") or raw[1] not in "35789":
        raise NotAPhoneNumber("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
                              "A mobile number has 10 digits starting 03, 05, 07, 08 or 09.")
    return raw


def masked(number: str) -> str:
    """For staff lists: 0912***678."""
    return f"{number[:4]}***{number[-3:]}" if len(number) >= 8 else "***"


__all__ = ["NotAPhoneNumber", "masked", "normalise"]
