"""Numbers as spoken words, Vietnamese (Northern and Southern usage) and English.

The hall speaks ticket and counter numbers by concatenating one recorded clip per
word, so every function here returns a tuple of words (one clip each); the
``*_text`` helpers join them for display and logs.

Vietnamese rules (see docs/voice.md for the full table):

- 0..9: không một hai ba bốn năm sáu bảy tám chín; 10 is "mười", 20..90 are
  "<digit> mươi".
- After "mươi" (21, 31, ...): 1 is "mốt", 5 is "lăm", 4 is "bốn" in the North
  and "tư" in the South. After "mười": 5 is "lăm", 1 stays "một" (11 mười một).
- Tens digit 0 after a hundreds word: "linh" (North) or "lẻ" (South):
  101 một trăm linh một, 105 một trăm linh năm (never "lăm" there).
- A group of three digits that follows a higher group is read in full:
  1005 một nghìn không trăm linh năm, 2026 hai nghìn không trăm hai mươi sáu,
  1010 một nghìn không trăm mười. Groups that are all zero are skipped:
  1000 một nghìn, 1000005 một triệu không trăm linh năm.
- Thousand is "nghìn" (North) or "ngàn" (South); then "triệu", "tỷ".

English follows the American habit without "and": 105 one hundred five,
2026 two thousand twenty-six ("twenty", "six" as clips).
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["north", "south"]
DIALECTS: tuple[Dialect, ...] = ("north", "south")

#: Largest number these functions read (just under a thousand billion).
MAX_NUMBER = 10**12 - 1

_VI_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_VI_SCALES = {
    "north": ("", "nghìn", "triệu", "tỷ"),
    "south": ("", "ngàn", "triệu", "tỷ"),
}
_VI_ZERO_TENS = {"north": "linh", "south": "lẻ"}
_VI_FOUR_AFTER_TENS = {"north": "bốn", "south": "tư"}

#: Every word a Vietnamese number can be made of, in either dialect.
VIETNAMESE_NUMBER_VOCABULARY: frozenset[str] = frozenset(
    (*_VI_DIGITS, "mốt", "tư", "lăm", "mười", "mươi", "trăm", "linh", "lẻ", "nghìn", "ngàn", "triệu", "tỷ")
)

_EN_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million", "billion")

#: Every word an English number can be made of.
ENGLISH_NUMBER_VOCABULARY: frozenset[str] = frozenset(
    (*_EN_ONES, *(t for t in _EN_TENS if t), "hundred", *(s for s in _EN_SCALES if s))
)


def _check(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number out of range 0..{MAX_NUMBER}: {n}")


def _check_dialect(dialect: str) -> None:
    if dialect not in _VI_SCALES:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")


def _groups_of_three(n: int) -> list[int]:
    """Three-digit groups, most significant first: 1234567 -> [1, 234, 567]."""
    groups = []
    while True:
        n, group = divmod(n, 1000)
        groups.append(group)
        if n == 0:
            return groups[::-1]


def _vi_group(n: int, *, in_full: bool, dialect: Dialect) -> list[str]:
    """Words of 1..999; `in_full` when a higher group precedes (say "không trăm", "linh")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or in_full:
        words += [_VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(_VI_ZERO_TENS[dialect])
            words.append(_VI_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(_VI_DIGITS[units])
    else:
        words += [_VI_DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append(_VI_FOUR_AFTER_TENS[dialect])
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(_VI_DIGITS[units])
    return words


def vietnamese_number_words(n: int, dialect: Dialect = "north") -> tuple[str, ...]:
    """The words of `n` in Vietnamese: 1005 -> ("một", "nghìn", "không", "trăm", "linh", "năm")."""
    _check(n)
    _check_dialect(dialect)
    if n == 0:
        return (_VI_DIGITS[0],)
    groups = _groups_of_three(n)
    scales = _VI_SCALES[dialect]
    words: list[str] = []
    for position, group in enumerate(groups):
        if group == 0:
            continue
        words += _vi_group(group, in_full=position > 0, dialect=dialect)
        scale = scales[len(groups) - 1 - position]
        if scale:
            words.append(scale)
    return tuple(words)


def vietnamese_number_text(n: int, dialect: Dialect = "north") -> str:
    """`n` in Vietnamese words, as one string: 25 -> "hai mươi lăm"."""
    return " ".join(vietnamese_number_words(n, dialect))


def _en_group(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds:
        words += [_EN_ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(_EN_TENS[rest // 10])
        if rest % 10:
            words.append(_EN_ONES[rest % 10])
    elif rest:
        words.append(_EN_ONES[rest])
    return words


def english_number_words(n: int) -> tuple[str, ...]:
    """The words of `n` in English: 2026 -> ("two", "thousand", "twenty", "six")."""
    _check(n)
    if n == 0:
        return (_EN_ONES[0],)
    groups = _groups_of_three(n)
    words: list[str] = []
    for position, group in enumerate(groups):
        if group:
            words += _en_group(group)
            scale = _EN_SCALES[len(groups) - 1 - position]
            if scale:
                words.append(scale)
    return tuple(words)


def english_number_text(n: int) -> str:
    """`n` in English words, as written: 2026 -> "two thousand twenty-six"."""
    words = english_number_words(n)
    out: list[str] = []
    for word in words:
        if out and out[-1] in _EN_TENS and word in _EN_ONES[1:10]:
            out[-1] = f"{out[-1]}-{word}"
        else:
            out.append(word)
    return " ".join(out)


def digit_words(digits: str, lang: str) -> tuple[str, ...]:
    """Read a string of digits one by one: "012" -> ("không", "một", "hai") in Vietnamese."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"expected ASCII digits, got {digits!r}")
    table = _VI_DIGITS if lang == "vi" else _EN_ONES if lang == "en" else None
    if table is None:
        raise ValueError(f"unknown language {lang!r}; expected 'vi' or 'en'")
    return tuple(table[int(d)] for d in digits)
