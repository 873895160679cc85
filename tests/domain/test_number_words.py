"""Numbers are spoken the way a Vietnamese (or English) listener expects, in both dialects."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.number_words import (
    ENGLISH_NUMBER_VOCABULARY,
    MAX_NUMBER,
    VIETNAMESE_NUMBER_VOCABULARY,
    digit_words,
    english_number_text,
    english_number_words,
    vietnamese_number_text,
    vietnamese_number_words,
)

# (number, North, South): written by hand from DOMAIN.md and ordinary usage.
TRICKY = [
    (0, "không", "không"),
    (1, "một", "một"),
    (4, "bốn", "bốn"),
    (5, "năm", "năm"),
    (10, "mười", "mười"),
    (11, "mười một", "mười một"),
    (14, "mười bốn", "mười bốn"),
    (15, "mười lăm", "mười lăm"),
    (20, "hai mươi", "hai mươi"),
    (21, "hai mươi mốt", "hai mươi mốt"),
    (24, "hai mươi bốn", "hai mươi tư"),
    (25, "hai mươi lăm", "hai mươi lăm"),
    (30, "ba mươi", "ba mươi"),
    (41, "bốn mươi mốt", "bốn mươi mốt"),
    (55, "năm mươi lăm", "năm mươi lăm"),
    (99, "chín mươi chín", "chín mươi chín"),
    (100, "một trăm", "một trăm"),
    (101, "một trăm linh một", "một trăm lẻ một"),
    (104, "một trăm linh bốn", "một trăm lẻ bốn"),
    (105, "một trăm linh năm", "một trăm lẻ năm"),
    (110, "một trăm mười", "một trăm mười"),
    (111, "một trăm mười một", "một trăm mười một"),
    (115, "một trăm mười lăm", "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt", "một trăm hai mươi mốt"),
    (205, "hai trăm linh năm", "hai trăm lẻ năm"),
    (444, "bốn trăm bốn mươi bốn", "bốn trăm bốn mươi tư"),
    (1000, "một nghìn", "một ngàn"),
    (1001, "một nghìn không trăm linh một", "một ngàn không trăm lẻ một"),
    (1005, "một nghìn không trăm linh năm", "một ngàn không trăm lẻ năm"),
    (1010, "một nghìn không trăm mười", "một ngàn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm", "một ngàn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt", "một ngàn không trăm hai mươi mốt"),
    (1100, "một nghìn một trăm", "một ngàn một trăm"),
    (1234, "một nghìn hai trăm ba mươi bốn", "một ngàn hai trăm ba mươi tư"),
    (2026, "hai nghìn không trăm hai mươi sáu", "hai ngàn không trăm hai mươi sáu"),
    (5555, "năm nghìn năm trăm năm mươi lăm", "năm ngàn năm trăm năm mươi lăm"),
    (9999, "chín nghìn chín trăm chín mươi chín", "chín ngàn chín trăm chín mươi chín"),
    (10000, "mười nghìn", "mười ngàn"),
    (15000, "mười lăm nghìn", "mười lăm ngàn"),
    (21000, "hai mươi mốt nghìn", "hai mươi mốt ngàn"),
    (100000, "một trăm nghìn", "một trăm ngàn"),
    (105000, "một trăm linh năm nghìn", "một trăm lẻ năm ngàn"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
     "chín trăm chín mươi chín ngàn chín trăm chín mươi chín"),
    (1000000, "một triệu", "một triệu"),
    (1000005, "một triệu không trăm linh năm", "một triệu không trăm lẻ năm"),
    (1001000, "một triệu không trăm linh một nghìn", "một triệu không trăm lẻ một ngàn"),
    (1000000000, "một tỷ", "một tỷ"),
]  # fmt: skip


@pytest.mark.parametrize(("n", "north", "south"), TRICKY)
def test_tricky_numbers_read_as_people_say_them(n: int, north: str, south: str) -> None:
    assert vietnamese_number_text(n, "north") == north
    assert vietnamese_number_text(n, "south") == south
    assert vietnamese_number_words(n, "south") == tuple(south.split())


def test_north_is_the_default_dialect() -> None:
    assert vietnamese_number_text(1005) == "một nghìn không trăm linh năm"


# --- an independent reader: words back to the number they say -------------------------
_DIGIT_VALUE = {
    "không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
    "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_SCALE_VALUE = {"nghìn": 1000, "ngàn": 1000, "triệu": 10**6, "tỷ": 10**9}


def read_vietnamese(words: tuple[str, ...]) -> int:
    total, group, last_digit = 0, 0, 0
    for word in words:
        if word in _DIGIT_VALUE:
            last_digit = _DIGIT_VALUE[word]
            group += last_digit
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group += last_digit * 9
        elif word == "trăm":
            group += last_digit * 99
        elif word in ("linh", "lẻ"):
            pass
        elif word in _SCALE_VALUE:
            total += group * _SCALE_VALUE[word]
            group = 0
        else:
            raise AssertionError(f"unknown word {word!r}")
    return total + group


_EN_VALUE = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_EN_VALUE |= {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}


def read_english(words: tuple[str, ...]) -> int:
    total, group = 0, 0
    for word in words:
        if word in _EN_VALUE:
            group += _EN_VALUE[word]
        elif word == "hundred":
            group *= 100
        else:
            total += group * {"thousand": 1000, "million": 10**6, "billion": 10**9}[word]
            group = 0
    return total + group


# --- properties, checked on every number 0..9999 in both dialects ---------------------
ALL = range(10000)
UNITS = ("một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("nghìn", "ngàn", "triệu", "tỷ")


def check_grammar(words: tuple[str, ...], dialect: str) -> None:
    """The rules a listener would notice broken, whatever the number."""
    assert set(words) <= VIETNAMESE_NUMBER_VOCABULARY
    foreign = {"north": {"lẻ", "ngàn", "tư"}, "south": {"linh", "nghìn"}}[dialect]
    assert not foreign & set(words), words
    for i, word in enumerate(words):
        before = words[i - 1] if i > 0 else None
        after = words[i + 1] if i + 1 < len(words) else None
        if word in ("mốt", "tư"):  # 21, 31, 24 (South) ... never 11 "mười mốt" nor "mốt" alone
            assert before == "mươi", words
        if word == "lăm":  # 15, 25 ... never 105 "linh lăm"
            assert before in ("mười", "mươi"), words
        if word == "mươi":
            assert before in UNITS[1:], words  # 20..90, never "một mươi"
            assert after not in ("một", "năm"), words  # "mươi mốt", "mươi lăm"
            assert after != "bốn" or dialect == "north", words
        if word == "mười":
            assert before not in UNITS, words
            assert after != "năm", words
        if word in ("linh", "lẻ"):  # only 01..09 after a hundreds word, then the group ends
            assert before == "trăm", words
            assert after in UNITS, words
            assert i + 2 == len(words) or words[i + 2] in SCALES, words
        if word == "không":
            assert words == ("không",) or after == "trăm", words
        if word == "trăm":
            assert before in ("không", *UNITS), words


@pytest.mark.parametrize("dialect", ["north", "south"])
def test_every_number_to_9999_reads_back_to_itself(dialect: str) -> None:
    for n in ALL:
        assert read_vietnamese(vietnamese_number_words(n, dialect)) == n, n  # type: ignore[arg-type]


@pytest.mark.parametrize("dialect", ["north", "south"])
def test_every_number_to_9999_follows_the_spoken_rules(dialect: str) -> None:
    for n in ALL:
        check_grammar(vietnamese_number_words(n, dialect), dialect)  # type: ignore[arg-type]


def test_dialects_differ_only_in_linh_le_nghin_ngan_bon_tu() -> None:
    south_to_north = {"lẻ": "linh", "ngàn": "nghìn", "tư": "bốn"}
    for n in ALL:
        south = vietnamese_number_words(n, "south")
        assert tuple(south_to_north.get(w, w) for w in south) == vietnamese_number_words(n, "north"), n


def test_words_are_nfc_so_clip_files_match() -> None:
    for word in VIETNAMESE_NUMBER_VOCABULARY:
        assert unicodedata.normalize("NFC", word) == word


@given(st.integers(0, MAX_NUMBER), st.sampled_from(["north", "south"]))
def test_large_numbers_read_back_and_follow_the_rules(n: int, dialect: str) -> None:
    words = vietnamese_number_words(n, dialect)  # type: ignore[arg-type]
    assert read_vietnamese(words) == n
    check_grammar(words, dialect)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "zero"),
        (12, "twelve"),
        (15, "fifteen"),
        (21, "twenty-one"),
        (40, "forty"),
        (100, "one hundred"),
        (105, "one hundred five"),
        (110, "one hundred ten"),
        (1000, "one thousand"),
        (1005, "one thousand five"),
        (2026, "two thousand twenty-six"),
        (9999, "nine thousand nine hundred ninety-nine"),
        (1000005, "one million five"),
    ],
)
def test_english_numbers(n: int, text: str) -> None:
    assert english_number_text(n) == text


def test_english_words_are_clips_without_hyphens() -> None:
    assert english_number_words(21) == ("twenty", "one")
    for n in ALL:
        words = english_number_words(n)
        assert read_english(words) == n, n
        assert set(words) <= ENGLISH_NUMBER_VOCABULARY


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1])
def test_out_of_range_is_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        vietnamese_number_words(bad)
    with pytest.raises(ValueError):
        english_number_words(bad)


def test_unknown_dialect_and_non_integers_are_refused() -> None:
    with pytest.raises(ValueError, match="dialect"):
        vietnamese_number_words(5, "central")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vietnamese_number_words(5.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vietnamese_number_words(True)


def test_digits_one_by_one() -> None:
    assert digit_words("012", "vi") == ("không", "một", "hai")
    assert digit_words("105", "en") == ("one", "zero", "five")
    with pytest.raises(ValueError):
        digit_words("1a", "vi")
