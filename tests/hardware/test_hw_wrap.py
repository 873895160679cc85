"""Wrapping at word boundaries, never inside a letter and its tone mark."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from hardware.printer.vietnamese import VIETNAMESE_LETTERS
from hardware.printer.wrap import graphemes, wrap

words = st.builds(
    lambda first, rest: first + rest,  # a word starts with a letter; combining marks may follow any letter
    st.sampled_from(VIETNAMESE_LETTERS + "bcdghklmnpqrstvx"),
    st.text(alphabet=VIETNAMESE_LETTERS + "bcdghklmnpqrstvx\u0301\u0323", max_size=24),
)


@given(st.lists(words, min_size=1, max_size=12), st.integers(4, 40))
def test_lines_fit_keep_words_and_never_split_a_letter(word_list: list[str], columns: int) -> None:
    text = " ".join(word_list)
    lines = wrap(text, lambda candidate: len(graphemes(candidate)) <= columns)
    for line in lines:
        assert len(graphemes(line)) <= columns or len(graphemes(line)) == 1
        assert not unicodedata.combining(line[0])  # no line starts with an orphan tone mark
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    if all(len(graphemes(w)) <= columns for w in word_list):
        assert " ".join(lines).split(" ") == word_list  # whole words only


def test_explicit_newlines_start_new_lines() -> None:
    assert wrap("Quầy 3\nQuầy 5", lambda c: len(c) <= 40) == ["Quầy 3", "Quầy 5"]
