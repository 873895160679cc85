"""Citizens' feedback and petitions (phản ánh, kiến nghị): categories, states, the public
code a citizen reads the answer back with.

Pure: plain data in, plain data out; no clock, no database.

* Categories are a fixed list (`CATEGORIES`), each named in Vietnamese and English.
* States: new -> in_progress -> answered -> closed. An answer can be written (or rewritten)
  while the petition is not closed; a closed or answered petition can be reopened
  (in_progress). `may_move(from, to)` says which changes are allowed.
* Public code (`new_code`): 8 random characters from the dossiers' alphabet without
  look-alikes (no 0/O, 1/I/L), about 8.5e11 codes, plus one check character, printed in
  three groups of three (ABC-DEF-GHK). The check character catches every single mistyped
  character and every swap of two neighbours (weights 1..8 modulo the prime 31), so a typo
  is told "check the code" without counting as a guess.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from enum import StrEnum

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 characters, a prime: the check is exact
RANDOM_LENGTH = 8
CODE_LENGTH = RANDOM_LENGTH + 1

CATEGORIES: dict[str, tuple[str, str]] = {
    "procedure": ("Thủ tục hành chính", "Administrative procedures"),
    "staff_attitude": ("Thái độ cán bộ", "Staff attitude"),
    "facilities": ("Cơ sở vật chất", "Facilities"),
    "waiting_time": ("Thời gian chờ", "Waiting time"),
    "other": ("Khác", "Other"),
}


class PetitionState(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


STATE_NAMES: dict[PetitionState, tuple[str, str]] = {
    PetitionState.NEW: ("Mới tiếp nhận", "Received"),
    PetitionState.IN_PROGRESS: ("Đang xử lý", "Being handled"),
    PetitionState.ANSWERED: ("Đã trả lời", "Answered"),
    PetitionState.CLOSED: ("Đã đóng", "Closed"),
}

# state -> the states a supervisor may move it to by hand (answering is `may_answer`)
MOVES: dict[PetitionState, frozenset[PetitionState]] = {
    PetitionState.NEW: frozenset({PetitionState.IN_PROGRESS, PetitionState.CLOSED}),
    PetitionState.IN_PROGRESS: frozenset({PetitionState.CLOSED}),
    PetitionState.ANSWERED: frozenset({PetitionState.IN_PROGRESS, PetitionState.CLOSED}),
    PetitionState.CLOSED: frozenset({PetitionState.IN_PROGRESS}),
}
# a petition whose case is over: its contact data is kept only for the retention period
DONE = frozenset({PetitionState.ANSWERED, PetitionState.CLOSED})

TEXT_MIN = 10
TEXT_MAX = 2000
ANSWER_MAX = 4000
CONTACT_NAME_MAX = 100


def may_move(current: str, target: str) -> bool:
    try:
        return PetitionState(target) in MOVES[PetitionState(current)]
    except ValueError:
        return False


def may_answer(current: str) -> bool:
    return current != PetitionState.CLOSED.value


def check_character(body: str) -> str:
    """The check character of the 8 random characters `body` (all from ALPHABET)."""
    total = sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    body = "".join(choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalize_code(raw: str) -> str:
    """What a citizen types, as stored: capitals, without spaces, dashes or dots."""
    return re.sub(r"[\s\-.]", "", raw or "").upper()


def code_is_well_formed(code: str) -> bool:
    """A normalized code of the right length, alphabet and check character."""
    return (len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)
            and check_character(code[:RANDOM_LENGTH]) == code[RANDOM_LENGTH])


def format_code(code: str) -> str:
    """As shown and printed: "ABCDEFGHK" -> "ABC-DEF-GHK"."""
    return "-".join(code[i:i + 3] for i in range(0, len(code), 3))


__all__ = ["CATEGORIES", "PetitionState", "STATE_NAMES", "MOVES", "DONE", "may_move", "may_answer",
           "new_code", "normalize_code", "code_is_well_formed", "format_code", "check_character", "ALPHABET",
           "TEXT_MIN", "TEXT_MAX", "ANSWER_MAX", "CONTACT_NAME_MAX"]
