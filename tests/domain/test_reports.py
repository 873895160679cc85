"""Report histograms: buckets, nearest-rank percentiles and the share within a target."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import reports as rules


def hist_of(values):  # noqa: ANN001, ANN201
    h: dict[int, int] = {}
    for v in values:
        rules.add(h, {rules.bucket_of(v): 1})
    return h


def test_a_bucket_holds_durations_up_to_its_upper_edge():
    assert rules.bucket_of(0) == 0
    assert rules.bucket_of(-3) == 0  # a clock step back
    assert rules.bucket_of(10) == 1
    assert rules.bucket_of(10.4) == 1
    assert rules.bucket_of(11) == 2
    assert rules.within(hist_of([300, 301, 299]), 300) == 2


@given(st.lists(st.integers(0, 720), min_size=1, max_size=200), st.sampled_from([0.5, 0.9, 1.0]))
def test_percentiles_of_whole_ten_seconds_are_exact_nearest_rank(tens, q):
    values = [t * 10 for t in tens]
    assert rules.percentile(hist_of(values), q) == sorted(values)[math.ceil(q * len(values)) - 1]


@given(st.lists(st.floats(0, 7200), min_size=1, max_size=200))
def test_otherwise_a_percentile_is_at_most_one_step_too_high(values):
    exact = sorted(values)[math.ceil(0.9 * len(values)) - 1]
    got = rules.percentile(hist_of(values), 0.9)
    assert exact - 0.5 <= got < exact + rules.STEP_S + 0.5


def test_an_empty_histogram_has_no_figures():
    d = rules.Durations.of({}, 0.0)
    assert (d.count, d.mean_s, d.median_s, d.p90_s) == (0, None, None, None)
