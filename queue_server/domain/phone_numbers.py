"""Vietnamese mobile numbers written the ways citizens write them, in one stored form.

0912 345 678, 0912.345.678, (091) 234-5678, +84 912 345 678, 84912345678 and
0084 912 345 678 are one number: stored as ``0912345678`` (ten digits, the national form). A
reachable mobile number has ten digits starting 03, 05, 07, 08 or 09 (after the 2018
renumbering); anything else (a landline, an old 11-digit mobile number, letters, too few
digits) is not one, and the caller answers with a field error. Pure: no I/O.

One module for remote numbers, appointments and text messages. A dossier's applicant phone
(domain/dossiers.py) also accepts landlines, which these do not.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["NotAPhoneNumber", "mask_phone", "masked", "normalise", "normalize_phone"]

_SEPARATORS = re.compile(r"[\s.\-()\u00a0]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")


def normalize_phone(raw: str) -> str | None:
    """The number as stored (0xxxxxxxxx), or None when it is not a Vietnamese mobile number."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if digits.startswith("00"):
        return None
    return digits if digits.isascii() and _MOBILE.match(digits) else None


class NotAPhoneNumber(ValueError):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def normalise(text: str) -> str:
    """`normalize_phone`, or NotAPhoneNumber saying what is wrong (for a field error)."""
    number = normalize_phone(text or "")
    if number is not None:
        return number
    if not _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).lstrip("+").isdigit():
        raise NotAPhoneNumber("Số điện thoại chỉ gồm chữ số (ví dụ 0912 345 678).",
                              "A phone number has digits only (e.g. 0912 345 678).")
    raise NotAPhoneNumber("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
                          "A mobile number has 10 digits starting 03, 05, 07, 08 or 09.")


def mask_phone(phone: str) -> str:
    """For staff lists: 0912***678."""
    return phone[:4] + "***" + phone[-3:] if len(phone) >= 7 else "***"


masked = mask_phone
