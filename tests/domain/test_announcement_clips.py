"""The clips of a call come in the order a citizen hears: chime, invitation, ticket, counter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.announcement import (
    CHIME,
    INVITE,
    TO_COUNTER,
    announcement_clips,
    announcement_parts,
    split_ticket_code,
    ticket_code_clips,
    vocabulary,
)


def test_vietnamese_call_reads_letter_then_number() -> None:
    assert announcement_clips("A012", 3) == ("chime", "invite", "A", "mười", "hai", "to_counter", "ba")


def test_english_call() -> None:
    assert announcement_clips("A012", 3, lang="en") == ("chime", "invite", "A", "twelve", "to_counter", "three")


def test_counter_numbers_use_number_words() -> None:
    assert announcement_clips("B105", 15)[-2:] == ("mười", "lăm")
    assert announcement_clips("B105", 21)[-2:] == ("mươi", "mốt")
    assert announcement_clips("B105", 24, dialect="south")[-3:] == ("hai", "mươi", "tư")


def test_ticket_numbers_follow_the_dialect() -> None:
    assert ticket_code_clips("B105") == ("B", "một", "trăm", "linh", "năm")
    assert ticket_code_clips("B105", dialect="south") == ("B", "một", "trăm", "lẻ", "năm")
    assert ticket_code_clips("C1005", dialect="south") == ("C", "một", "ngàn", "không", "trăm", "lẻ", "năm")


def test_leading_zeros_are_not_spoken_when_reading_numbers() -> None:
    assert ticket_code_clips("A001") == ("A", "một")
    assert ticket_code_clips("A000") == ("A", "không")
    assert ticket_code_clips("A015") == ("A", "mười", "lăm")


def test_digit_by_digit_reading_is_an_option() -> None:
    assert ticket_code_clips("A012", code_reading="digits") == ("A", "không", "một", "hai")
    assert ticket_code_clips("A015", lang="en", code_reading="digits") == ("A", "zero", "one", "five")
    # the counter is still a number
    assert announcement_clips("A015", 12, code_reading="digits")[-2:] == ("mười", "hai")


def test_codes_with_several_parts_and_separators() -> None:
    assert split_ticket_code(" b2-015 ") == ("B", "2", "015")
    assert ticket_code_clips("B2-015") == ("B", "hai", "mười", "lăm")
    assert ticket_code_clips("AB12") == ("A", "B", "mười", "hai")
    assert ticket_code_clips("123") == ("một", "trăm", "hai", "mươi", "ba")


def test_very_long_digit_runs_are_read_digit_by_digit() -> None:
    assert ticket_code_clips("A1234567") == ("A", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy")


def test_parts_group_the_clips_for_pauses() -> None:
    parts = announcement_parts("A012", 3)
    assert parts == ((CHIME,), (INVITE,), ("A", "mười", "hai"), (TO_COUNTER,), ("ba",))


@pytest.mark.parametrize("bad", ["", "   ", "A#1", "Đ12", "A" * 17, "--"])
def test_codes_that_cannot_be_spoken_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        announcement_clips(bad, 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lang": "fr"}, "language"),
        ({"code_reading": "spell"}, "code reading"),
        ({"dialect": "central"}, "dialect"),
    ],
)
def test_unknown_options_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        announcement_clips("A1", 1, **kwargs)


@pytest.mark.parametrize("counter", [-1, True, 2.0])
def test_counter_must_be_a_whole_number(counter: object) -> None:
    with pytest.raises(ValueError, match="counter"):
        announcement_clips("A1", counter)  # type: ignore[arg-type]


@given(
    letters=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3),
    number=st.integers(0, 9999),
    width=st.integers(1, 4),
    counter=st.integers(1, 99),
    lang=st.sampled_from(["vi", "en"]),
    dialect=st.sampled_from(["north", "south"]),
    reading=st.sampled_from(["number", "digits"]),
)
def test_every_clip_of_every_call_is_in_the_pack_vocabulary(
    letters: str, number: int, width: int, counter: int, lang: str, dialect: str, reading: str
) -> None:
    code = f"{letters}{number:0{width}d}"
    clips = announcement_clips(code, counter, lang, dialect, reading)  # type: ignore[arg-type]
    assert clips[:2] == (CHIME, INVITE)
    assert clips[2 : 2 + len(letters)] == tuple(letters)
    assert clips.count(TO_COUNTER) == 1
    assert set(clips) <= vocabulary(lang)  # type: ignore[arg-type]
