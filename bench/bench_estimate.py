"""Wait estimate accuracy on simulated hall days: our estimate against the naive one.

`python -m bench estimate` simulates several seeded days (bench/sim_day.py) and
reports the median over days of: our mean absolute error divided by the naive
estimate's (people waiting for the service x average time / open counters for
it), and the two errors in seconds. The simulated queues are short (52 waiting at most),
so the estimate mostly replays them call by call; the `.replay_16` figure forces the
replay to stop after 16 calls and shows what the closed form for the rest of a long
queue costs in accuracy.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable

from bench.sim_day import make_day, simulate
from queue_server.domain.estimate import REPLAY_CALLS

SEEDS = range(1, 21)


def measure(seeds: Iterable[int] = SEEDS, replay_calls: int = REPLAY_CALLS) -> tuple[float, float, float]:
    """(median ratio ours/naive, median our MAE s, median naive MAE s) over the seeds."""
    ratios, ours, naive = [], [], []
    for seed in seeds:
        mae, naive_mae = simulate(dataclasses.replace(make_day(seed), replay_calls=replay_calls)).mae()
        ratios.append(mae / naive_mae)
        ours.append(mae)
        naive.append(naive_mae)
    return statistics.median(ratios), statistics.median(ours), statistics.median(naive)


def run() -> Iterable[dict]:
    ratio, ours, naive = measure()
    yield {"name": "estimate.mae_ratio_vs_naive", "value": round(ratio, 3), "unit": "ratio",
           "target": 1.0, "better": "lower"}
    yield {"name": "estimate.mae_s", "value": round(ours, 1), "unit": "s", "target": None, "better": "lower"}
    yield {"name": "estimate.naive_mae_s", "value": round(naive, 1), "unit": "s", "target": None,
           "better": "lower"}
    short, _, _ = measure(replay_calls=16)
    yield {"name": "estimate.mae_ratio_vs_naive.replay_16", "value": round(short, 3), "unit": "ratio",
           "target": 1.0, "better": "lower"}
