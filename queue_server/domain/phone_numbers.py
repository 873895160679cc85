"""Vietnamese mobile numbers written the ways citizens write them, in one stored form.

0912 345 678, 0912.345.678, +84 912 345 678, 84912345678 and 0084 912 345 678 are one
number: stored as ``0912345678`` (ten digits, the national form). A reachable mobile number
has ten digits starting 03, 05, 07, 08 or 09 (after the 2018 renumbering); anything else
(a landline, an old 11-digit mobile number, letters, too few digits) is not one, and the
caller answers with a field error. Pure: no I/O.
"""

from __future__ import annotations

import re

__all__ = ["normalize_phone", "mask_phone"]

_SEPARATORS = re.compile(r"[\s.\-()\u00a0]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")


def normalize_phone(raw: str) -> str | None:
    """The number as stored (0xxxxxxxxx), or None when it is not a Vietnamese mobile number."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if digits.startswith("00"):
        return None
    return digits if digits.isascii() and _MOBILE.match(digits) else None


def mask_phone(phone: str) -> str:
    """A stored number with its middle hidden (0912***678), for a citizen's own confirmation."""
    return phone[:4] + "***" + phone[-3:] if len(phone) >= 7 else "***"
