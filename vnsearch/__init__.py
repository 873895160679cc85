"""Vietnamese text search without diacritics: fold text, index names and codes, rank hits.

Pure (the standard library and rapidfuzz), importing nothing of ours, so both the server (the catalogue in
queue_server/domain/catalog.py) and the kiosk (kiosk/cache.py, which must not import the
server) search with the same rules:

    fold("  Đăng KÝ  khai sinh") == "dang ky khai sinh"
    index = SearchIndex.from_items([(code, name_vi, name_en, extra_words, payload), ...])
    index.search("dang ky khai sinh")   # or a code: "1.001193", "1001193", "1.00"

Ranking: a code match first, then a name that equals or starts with the query, then names
containing every word of the query (the last word may be unfinished, as it is while
someone types on the kiosk), then English names, then keywords and field names. When these
find fewer hits than asked for, names close to the query with its spaces taken out
(rapidfuzz's partial ratio) come after them, so a typo ("dang ki ket hon", "trch luc") or
words run together ("khaisinh") still find the procedure.
`SearchIndex` keeps a sorted vocabulary so a keystroke costs a few bisections, not a scan.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[0-9a-z]+(?:\.[0-9a-z]+)*")
_CODE_QUERY = re.compile(r"^[0-9][0-9.]*$")
# Typo tolerance: a query of at least this many letters (spaces removed) may match a name
# by similarity; a hit needs this partial-ratio score (0-100) and ranks below every word hit.
FUZZY_MIN_LETTERS = 5
FUZZY_CUTOFF = 85.0
FUZZY_BASE = 100.0


def fold(text: str) -> str:
    """Lower-case `text` without diacritics: NFD, combining marks dropped, đ -> d, spaces
    collapsed. `fold("  Đăng KÝ  khai sinh") == "dang ky khai sinh"`."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


def _words(folded: str) -> list[str]:
    return _WORD.findall(folded)


@dataclass(frozen=True)
class SearchHit:
    code: str
    score: float
    item: Any  # the Procedure (or whatever payload the index was built with)


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str  # folded Vietnamese name, words joined by one space
    name_words: tuple[str, ...]
    en_words: tuple[str, ...]
    other_words: frozenset[str]  # keywords, field name
    payload: Any


class SearchIndex:
    """Prefix index over procedure names, English names, keywords, field names and codes."""

    def __init__(self, entries: Sequence[_Entry]) -> None:
        self._entries = list(entries)
        postings: dict[str, set[int]] = {}
        for i, e in enumerate(self._entries):
            for w in (*e.name_words, *e.en_words, *e.other_words):
                postings.setdefault(w, set()).add(i)
        self._vocab = sorted(postings)
        self._postings = [frozenset(postings[w]) for w in self._vocab]
        self._codes = sorted((e.code, i) for i, e in enumerate(self._entries))
        self._compact_codes = sorted((e.code.replace(".", ""), i) for i, e in enumerate(self._entries))
        self._prefix_cache: dict[str, frozenset[int]] = {}
        self._compact_names = [e.name.replace(" ", "") for e in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, str, str, Iterable[str], Any]]) -> SearchIndex:
        """From (code, Vietnamese name, English name, extra words, payload) tuples; usable
        with plain data (e.g. a catalogue cached as JSON)."""
        entries = []
        for code, name_vi, name_en, extra, payload in items:
            name = " ".join(_words(fold(name_vi)))
            other = frozenset(w for text in extra for w in _words(fold(text)))
            entries.append(_Entry(code, name, tuple(name.split()), tuple(_words(fold(name_en))), other, payload))
        return cls(entries)

    def _with_prefix(self, token: str) -> frozenset[int]:
        cached = self._prefix_cache.get(token)
        if cached is not None:
            return cached
        lo = bisect.bisect_left(self._vocab, token)
        hi = bisect.bisect_left(self._vocab, token + "\uffff")
        out: frozenset[int] = frozenset().union(*self._postings[lo:hi]) if hi > lo else frozenset()
        if len(self._prefix_cache) > 4096:
            self._prefix_cache.clear()
        self._prefix_cache[token] = out
        return out

    def _code_hits(self, q: str) -> dict[int, float]:
        hits: dict[int, float] = {}
        for table, exact_score, prefix_score in ((self._codes, 1000.0, 900.0), (self._compact_codes, 990.0, 850.0)):
            key = q if table is self._codes else q.replace(".", "")
            lo = bisect.bisect_left(table, (key,))
            for code, i in table[lo:]:
                if not code.startswith(key):
                    break
                score = exact_score if code == key else prefix_score - (len(code) - len(key)) / 100
                hits[i] = max(hits.get(i, 0.0), score)
        return hits

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        q = fold(query)
        tokens = _words(q)
        if not tokens:
            return []
        scores: dict[int, float] = {}
        if _CODE_QUERY.match(q) and len(q) >= 2:
            scores.update(self._code_hits(q))
        candidates: frozenset[int] | None = None
        for t in sorted(set(tokens), key=len, reverse=True):
            ids = self._with_prefix(t)
            candidates = ids if candidates is None else candidates & ids
            if not candidates:
                break
        phrase = " ".join(tokens)
        for i in candidates or ():
            s = self._score(self._entries[i], tokens, phrase)
            if s > scores.get(i, 0.0):
                scores[i] = s
        if len(scores) < limit:
            self._add_fuzzy(phrase.replace(" ", ""), scores, limit)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], len(self._entries[kv[0]].name), self._entries[kv[0]].code))
        return [SearchHit(self._entries[i].code, s, self._entries[i].payload) for i, s in ranked[:limit]]

    def _add_fuzzy(self, compact: str, scores: dict[int, float], limit: int) -> None:
        """Names similar to the query, scored below every word match (FUZZY_BASE + 0..100)."""
        if len(compact) < FUZZY_MIN_LETTERS or _CODE_QUERY.match(compact):
            return
        found = process.extract(compact, self._compact_names, scorer=fuzz.partial_ratio,
                                score_cutoff=FUZZY_CUTOFF, limit=limit)
        for _, similarity, i in found:
            if i not in scores:
                scores[i] = FUZZY_BASE + similarity

    @staticmethod
    def _score(e: _Entry, tokens: list[str], phrase: str) -> float:
        if e.name == phrase:
            return 800.0
        if e.name.startswith(phrase):
            return 700.0
        if f" {phrase}" in f" {e.name}":
            return 600.0 - e.name.index(phrase) / 100  # earlier in the name ranks higher
        in_name = _match_words(tokens, e.name_words)
        if in_name is not None:
            return 500.0 + 50.0 * in_name
        in_en = _match_words(tokens, e.en_words)
        if in_en is not None:
            return 400.0 + 50.0 * in_en
        all_words = (*e.name_words, *e.en_words, *e.other_words)
        in_any = _match_words(tokens, all_words)
        if in_any is not None:
            return 300.0 + 50.0 * in_any
        return 0.0


def _match_words(tokens: Sequence[str], words: Sequence[str]) -> float | None:
    """None unless every token is a word (or the start of one) in `words`; otherwise the
    share of tokens that are whole words, so finished words outrank fragments."""
    whole = 0
    for t in tokens:
        if t in words:
            whole += 1
        elif not any(w.startswith(t) for w in words):
            return None
    return whole / len(tokens)


__all__ = ["fold", "SearchHit", "SearchIndex"]
