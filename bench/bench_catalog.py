"""Catalogue benchmarks: checking a 2,000-procedure file, building its search index, and the
cost of one keystroke of the kiosk search (target p50 < 30 ms, issue 4).

The 2,000 procedures are generated from the demo ward: each demo procedure is repeated with
name variations (cấp lại, lưu động, có yếu tố nước ngoài, ...) and fresh codes, so names
share words the way a provincial catalogue's do. Queries are typed one character at a time,
without diacritics, as on the kiosk's keyboard; every prefix counts as a keystroke.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from collections.abc import Iterable
from typing import Any

from queue_server.domain.catalog import SearchIndex, check_catalog, search
from queue_server.services.catalog_files import DEMO_CATALOG

TARGET_PROCEDURES = 2000
VARIANTS = [
    ("", ""), (" (cấp lại)", " (reissue)"), (" lưu động", " (mobile)"), (" có yếu tố nước ngoài", " with a foreign element"),
    (" cho người đã có hồ sơ", " for people with existing records"), (" tại khu vực biên giới", " in border areas"),
    (" đối với tổ chức", " for organisations"), (" (điều chỉnh)", " (amendment)"), (" (gia hạn)", " (extension)"),
    (" liên thông", " (joined-up)"), (" cho trẻ em", " for children"), (" đối với người cao tuổi", " for older people"),
]
QUERIES = [
    "dang ky khai sinh", "chung thuc ban sao", "1.001193", "giay phep xay dung", "tam tru",
    "ho kinh doanh", "tro cap xa hoi", "ket hon", "xac nhan tinh trang hon nhan", "so do",
]

# Typed with a typo or with words run together: found by similarity (rapidfuzz), issue 14
TYPO_QUERIES = ["khaisinh", "dang ki ket hon", "cap ban sao trch luc", "chung thuc ban sa", "giay phep xay dug"]


def generated_catalogue(n: int = TARGET_PROCEDURES) -> dict[str, Any]:
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    base = doc["procedures"]
    out = []
    serial = 0
    while len(out) < n:
        for vi_suffix, en_suffix in VARIANTS:
            for p in base:
                if len(out) >= n:
                    break
                q = copy.deepcopy(p)
                if serial >= len(base):
                    q["code"] = f"{8 - serial % 3}.{100000 + serial:06d}"
                q["name"]["vi"] += vi_suffix
                q["name"]["en"] += en_suffix
                out.append(q)
                serial += 1
    doc["procedures"] = out
    return doc


def _keystrokes() -> Iterable[str]:
    for q in QUERIES:
        for i in range(1, len(q) + 1):
            yield q[:i]


def run() -> Iterable[dict[str, Any]]:
    doc = generated_catalogue()

    t0 = time.perf_counter()
    report = check_catalog(doc)
    check_ms = (time.perf_counter() - t0) * 1000
    assert report.catalog is not None, report.errors[:3]
    catalog = report.catalog

    builds = []
    for _ in range(5):
        t0 = time.perf_counter()
        index = SearchIndex.from_catalog(catalog)
        builds.append((time.perf_counter() - t0) * 1000)

    times = []
    for _ in range(3):  # a fresh index each round: no warm prefix cache from the previous round
        index = SearchIndex.from_catalog(catalog)
        for prefix in _keystrokes():
            t0 = time.perf_counter()
            search(index, prefix, limit=20)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    typo_times = []
    for _ in range(5):
        for q in TYPO_QUERIES:
            t0 = time.perf_counter()
            hits = search(index, q, limit=20)
            typo_times.append((time.perf_counter() - t0) * 1000)
            assert hits, q

    yield {"name": "catalog.search_ms_p50", "value": round(statistics.median(times), 3), "unit": "ms",
           "target": 30, "better": "lower", "procedures": len(catalog.procedures), "keystrokes": len(times)}
    yield {"name": "catalog.search_ms_p95", "value": round(p95, 3), "unit": "ms", "target": None, "better": "lower"}
    yield {"name": "catalog.search_typo_ms_p50", "value": round(statistics.median(typo_times), 3), "unit": "ms",
           "target": 30, "better": "lower", "queries": TYPO_QUERIES}
    yield {"name": "catalog.index_build_ms", "value": round(statistics.median(builds), 1), "unit": "ms",
           "target": None, "better": "lower"}
    yield {"name": "catalog.check_2000_ms", "value": round(check_ms, 1), "unit": "ms", "target": None,
           "better": "lower"}
