"""Queue report arithmetic: waits and service times kept as histograms, and the figures
read off them (count, mean, median, 90th percentile, share within a target).

A histogram maps a bucket to a count. Bucket ``b`` holds the durations in
``((b - 1) * STEP_S, b * STEP_S]`` seconds (bucket 0 holds exactly 0), so

- "within a target of T seconds" (T a multiple of STEP_S) is exactly the buckets ``<= T / STEP_S``;
- a percentile is the nearest-rank one (the smallest value with at least q·n values at or
  below it), given as its bucket's upper edge: "90 % waited at most 14 min 20 s". It is exact
  when durations are whole multiples of STEP_S and at most STEP_S - 1 s too high otherwise.

Histograms of different days and cells add up, which is what lets a year be read from
days summarised once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

STEP_S = 10
PERCENTILES = (0.5, 0.9)

Histogram = dict[int, int]


def bucket_of(seconds: float) -> int:
    """The bucket of a duration (negative durations, a clock step back, count as 0)."""
    whole = max(0, round(seconds))
    return -(-whole // STEP_S)


def add(into: Histogram, other: Mapping[int, int]) -> Histogram:
    for b, n in other.items():
        into[b] = into.get(b, 0) + n
    return into


def percentile(hist: Mapping[int, int], q: float) -> int | None:
    """Nearest-rank q-th percentile in seconds (the bucket's upper edge); None when empty."""
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    n = sum(hist.values())
    if n == 0:
        return None
    rank = math.ceil(q * n)
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= rank:
            return b * STEP_S
    raise AssertionError("unreachable")


def within(hist: Mapping[int, int], target_s: int) -> int:
    """How many durations are at most target_s seconds (exact for a multiple of STEP_S)."""
    limit = target_s // STEP_S
    return sum(n for b, n in hist.items() if b <= limit)


@dataclass(frozen=True)
class Durations:
    """The figures of one histogram, plus the exact sum kept beside it (for the mean)."""

    count: int
    mean_s: float | None
    median_s: int | None
    p90_s: int | None
    within_target: int | None
    within_target_share: float | None

    @classmethod
    def of(cls, hist: Mapping[int, int], total_s: float, target_s: int | None = None) -> Durations:
        n = sum(hist.values())
        inside = within(hist, target_s) if target_s is not None and n else None
        return cls(count=n, mean_s=round(total_s / n, 1) if n else None,
                   median_s=percentile(hist, 0.5), p90_s=percentile(hist, 0.9),
                   within_target=inside,
                   within_target_share=round(inside / n, 4) if inside is not None and n else None)


def from_pairs(pairs: Iterable[tuple[int, int]]) -> Histogram:
    out: Histogram = {}
    for b, n in pairs:
        out[int(b)] = out.get(int(b), 0) + int(n)
    return out
