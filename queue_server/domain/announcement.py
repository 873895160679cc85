"""Which voice clips, in which order, announce a call: "Xin mời công dân có số thứ tự A012 đến quầy số 3".

A call is spoken by concatenating clips of a voice pack (assets/voice/<lang>/).
This module decides the clip names only; loading and joining the sound is done
elsewhere. The sequence is the same in both languages:

    chime · invite · <ticket code> · to_counter · <counter number>

- ``chime``: the two-tone chime that makes people look up;
- ``invite``: "Xin mời công dân có số thứ tự" / "Ticket number";
- the ticket code: each letter is its own clip (``"A"``), each run of digits is read
  as a number by default ("A012" is "A mười hai", as people read it) or digit by
  digit with ``code_reading="digits"`` ("A không một hai");
- ``to_counter``: "đến quầy số" / "please go to counter";
- the counter number, always as a number ("quầy số mười lăm").

Number words are clip names themselves (NFC Vietnamese, e.g. ``"mười"``, ``"lăm"``),
so a clip list reads like the sentence it speaks.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Literal

from queue_server.domain.number_words import (
    ENGLISH_NUMBER_VOCABULARY,
    VIETNAMESE_NUMBER_VOCABULARY,
    Dialect,
    digit_words,
    english_number_words,
    vietnamese_number_words,
)

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
CodeReading = Literal["number", "digits"]
CODE_READINGS: tuple[CodeReading, ...] = ("number", "digits")

CHIME = "chime"
INVITE = "invite"
TO_COUNTER = "to_counter"
PHRASES: tuple[str, ...] = (CHIME, INVITE, TO_COUNTER)
LETTERS: tuple[str, ...] = tuple(string.ascii_uppercase)

#: Characters allowed between the parts of a code ("B2-015") and not spoken.
CODE_SEPARATORS = frozenset("-. /_")
#: Longer digit runs are read digit by digit even when reading numbers.
MAX_DIGITS_AS_NUMBER = 6
MAX_CODE_LENGTH = 16

Parts = tuple[tuple[str, ...], ...]


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")


def split_ticket_code(code: str) -> tuple[str, ...]:
    """Split a display code into runs of letters and runs of digits: "b2-015" -> ("B", "2", "015").

    Letters are upper-cased; separators (``- . / _`` and spaces) are dropped.
    Raises ValueError for an empty code or any other character (e.g. "Đ", "#").
    """
    text = unicodedata.normalize("NFC", code).strip().upper()
    if not text or len(text) > MAX_CODE_LENGTH:
        raise ValueError(f"ticket code must have 1..{MAX_CODE_LENGTH} characters: {code!r}")
    runs: list[str] = []
    current = ""
    for char in text:
        if char in CODE_SEPARATORS:
            if current:
                runs.append(current)
            current = ""
        elif char.isascii() and (char.isdigit() or char.isalpha()):
            if current and current[-1].isdigit() != char.isdigit():
                runs.append(current)
                current = ""
            current += char
        else:
            raise ValueError(f"ticket code {code!r} has a character that cannot be announced: {char!r}")
    if current:
        runs.append(current)
    if not runs:
        raise ValueError(f"ticket code has nothing to announce: {code!r}")
    return tuple(runs)


def _number_words(n: int, lang: Lang, dialect: Dialect) -> tuple[str, ...]:
    return vietnamese_number_words(n, dialect) if lang == "vi" else english_number_words(n)


def ticket_code_clips(
    code: str, lang: Lang = "vi", dialect: Dialect = "north", code_reading: CodeReading = "number"
) -> tuple[str, ...]:
    """Clips that speak a ticket code: "A012" -> ("A", "mười", "hai")."""
    check_lang(lang)
    if code_reading not in CODE_READINGS:
        raise ValueError(f"unknown code reading {code_reading!r}; expected one of {', '.join(CODE_READINGS)}")
    clips: list[str] = []
    for run in split_ticket_code(code):
        if run[0].isalpha():
            clips += run  # one clip per letter
        elif code_reading == "digits" or len(run) > MAX_DIGITS_AS_NUMBER:
            clips += digit_words(run, lang)
        else:
            clips += _number_words(int(run), lang, dialect)
    return tuple(clips)


def announcement_parts(
    code: str,
    counter: int,
    lang: Lang = "vi",
    dialect: Dialect = "north",
    code_reading: CodeReading = "number",
) -> Parts:
    """The announcement as five groups of clips; players leave a longer pause between groups.

    >>> announcement_parts("A012", 3)
    (('chime',), ('invite',), ('A', 'mười', 'hai'), ('to_counter',), ('ba',))
    """
    check_lang(lang)
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
        raise ValueError(f"counter must be a non-negative integer: {counter!r}")
    return (
        (CHIME,),
        (INVITE,),
        ticket_code_clips(code, lang, dialect, code_reading),
        (TO_COUNTER,),
        _number_words(counter, lang, dialect),
    )


def announcement_clips(
    code: str,
    counter: int,
    lang: Lang = "vi",
    dialect: Dialect = "north",
    code_reading: CodeReading = "number",
) -> tuple[str, ...]:
    """The clip names of an announcement, in order.

    >>> announcement_clips("A012", 3)
    ('chime', 'invite', 'A', 'mười', 'hai', 'to_counter', 'ba')
    >>> announcement_clips("A012", 3, lang="en")
    ('chime', 'invite', 'A', 'twelve', 'to_counter', 'three')
    """
    return tuple(clip for part in announcement_parts(code, counter, lang, dialect, code_reading) for clip in part)


def vocabulary(lang: Lang) -> frozenset[str]:
    """Every clip name an announcement in `lang` can use (both dialects): what a voice pack must hold."""
    check_lang(lang)
    numbers = VIETNAMESE_NUMBER_VOCABULARY if lang == "vi" else ENGLISH_NUMBER_VOCABULARY
    return frozenset((*PHRASES, *LETTERS, *numbers))
