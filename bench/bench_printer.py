"""Printer benchmarks: bytes per ticket slip per profile, build time, time on the wire.

    python -m bench printer

* `printer.slip_bytes.<profile>.<width>mm` - bytes of the standard ticket slip (Vietnamese
  hall, service, labels and footer) for a TCVN-3 Epson profile (TM-T20II), a CP1258-only
  profile (RP326), a profile without a Vietnamese page (P822D) and the generic profile
  (no profile configured: QR drawn as an image too). Target 8 KB where raster is needed
  (a whole-ticket raster is about 37 KB).
* `printer.build_ms_p50` - median time to build the bytes of one slip, worst case
  (generic profile, 80 mm: every Vietnamese line drawn). Target < 20 ms.
* `printer.send_s.<profile>.80mm.<baud>baud` - seconds to send the 80 mm slip over a serial
  line (8N1: 10 bits per byte), computed from its size, for the worst case (generic) and
  a printer with TCVN-3 (TM-T20II).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable

from hardware.printer.ticket import render_ticket_slip
from tests.hardware.slip_samples import TICKET

PROFILES = ("TM-T20II", "RP326", "P822D", None)
TARGET_BYTES = 8 * 1024


def run() -> Iterable[dict]:
    sizes: dict[tuple[str, int], int] = {}
    for profile in PROFILES:
        for width in (58, 80):
            size = len(render_ticket_slip(TICKET, profile, width))
            label = profile or "generic"
            sizes[(label, width)] = size
            yield {
                "name": f"printer.slip_bytes.{label}.{width}mm",
                "value": size,
                "unit": "bytes",
                "target": TARGET_BYTES,
                "better": "lower",
            }
    timings = []
    for _ in range(5):  # warm-up: fonts, capabilities, caches
        render_ticket_slip(TICKET, None, 80)
    for _ in range(60):
        started = time.perf_counter()
        render_ticket_slip(TICKET, None, 80)
        timings.append((time.perf_counter() - started) * 1000)
    yield {
        "name": "printer.build_ms_p50",
        "value": round(statistics.median(timings), 2),
        "unit": "ms",
        "target": 20,
        "better": "lower",
    }
    for label in ("generic", "TM-T20II"):
        for baud in (9600, 19200, 115200):
            yield {
                "name": f"printer.send_s.{label}.80mm.{baud}baud",
                "value": round(sizes[(label, 80)] * 10 / baud, 2),
                "unit": "s",
                "target": None,
                "better": "lower",
            }
