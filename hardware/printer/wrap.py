"""Word wrapping that never splits a character: by word, else by grapheme (letter + its marks)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable


def graphemes(text: str) -> list[str]:
    """Split text into user-perceived characters: a base character with its combining marks."""
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy word wrap: each line is as long as `fits` allows.

    Explicit newlines start a new line. Runs of spaces collapse to one. A word too
    long for a line on its own is broken between graphemes, never inside one.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if fits(candidate):
                current = candidate
                continue
            if current:
                lines.append(current)
                current = ""
            if fits(word):
                current = word
                continue
            for cluster in graphemes(word):  # a word longer than the line
                if current and not fits(current + cluster):
                    lines.append(current)
                    current = ""
                current += cluster
        if current:
            lines.append(current)
    return lines
