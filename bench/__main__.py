"""Run every benchmark module and print one JSON object per line.

Each `bench/bench_<area>.py` defines `run() -> Iterable[dict]`; every dict has
`name`, `value`, `unit`, `target` and `better` ("lower" or "higher").
`python -m bench [AREA ...]` runs only the named areas.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import traceback

import bench


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failed = 0
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        area = info.name.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        try:
            module = importlib.import_module(f"bench.{info.name}")
            for row in module.run():
                print(json.dumps(row, ensure_ascii=False), flush=True)
        except Exception:  # a broken benchmark must not hide the others
            failed += 1
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
