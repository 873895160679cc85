"""Printer health from our own real-time status query (DLE EOT), never "OK" by default.

We send `DLE EOT 1` (printer status), `DLE EOT 2` (offline cause) and `DLE EOT 4`
(paper roll sensor), one at a time, each answered by one byte of the form `0xx1xx10`.
Before each query pending input is drained, so a reply that came too late is never
read as the answer to the next question. When the printer does not answer within the
short timeout, or answers a byte of the wrong form, the status is "unknown" - never
"ok". A printer that does not answer the first query is not asked the others, so a
silent printer costs one timeout, not three.

Bits used (Epson ESC/POS reference, DLE EOT):
    n=1  bit 3  offline
    n=2  bit 2  cover open         bit 5  printing stopped by paper end   bit 6  error
    n=4  bits 2,3  roll near end   bits 5,6  roll end (paper out)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hardware.printer.errors import CoverOpen, PaperOut, PrinterError, PrinterNotResponding, PrinterOffline

State = Literal["ok", "near-end", "paper-out", "cover-open", "error", "offline", "unknown"]

DLE_EOT = b"\x10\x04"

_MESSAGES: dict[str, tuple[str, str]] = {
    "ok": ("Máy in sẵn sàng.", "The printer is ready."),
    "near-end": ("Máy in sắp hết giấy, cần thay cuộn giấy mới.", "The printer is almost out of paper."),
    "paper-out": ("Máy in đã hết giấy.", "The printer is out of paper."),
    "cover-open": ("Nắp máy in đang mở.", "The printer cover is open."),
    "error": ("Máy in báo lỗi.", "The printer reports an error."),
    "offline": ("Máy in đang mất kết nối.", "The printer is offline."),
    "unknown": ("Không rõ trạng thái máy in (máy in không trả lời).", "Printer status unknown (no answer)."),
}


def valid_reply(byte: int) -> bool:
    """A DLE EOT reply has bit 1 and bit 4 set, bits 0 and 7 clear."""
    return byte & 0x93 == 0x12


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself. `state` sums it up; `unknown` means it did not say."""

    state: State
    online: bool | None = None
    paper: Literal["ok", "near-end", "out", "unknown"] = "unknown"
    cover_open: bool | None = None
    error: bool | None = None
    answered: bool = False
    detail: str = ""
    replies: bytes = b""

    @property
    def ready(self) -> bool:
        """True only when the printer answered and can print (paper near end included)."""
        return self.state in ("ok", "near-end")

    @property
    def message_vi(self) -> str:
        return _MESSAGES[self.state][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self.state][1]

    def error_for_state(self) -> PrinterError | None:
        """The typed error a print attempt in this state raises (None when it can print)."""
        detail = self.detail or f"printer status: {self.state}"
        if self.state == "paper-out":
            return PaperOut(detail)
        if self.state == "cover-open":
            return CoverOpen(detail)
        if self.state == "unknown":
            return PrinterNotResponding(detail)
        if self.state in ("offline", "error"):
            return PrinterOffline(detail)
        return None

    def describe(self) -> str:
        """One line per language, plus the detail, for the CLI and logs."""
        lines = [self.message_vi, self.message_en]
        if self.detail:
            lines.append(self.detail)
        return "\n".join(lines)


def unknown(detail: str, replies: bytes = b"") -> PrinterStatus:
    return PrinterStatus("unknown", detail=detail, replies=replies)


def offline(detail: str) -> PrinterStatus:
    return PrinterStatus("offline", online=False, detail=detail)


def parse_replies(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """The status from the three DLE EOT reply bytes (n = 1, 2, 4); each must be a valid reply."""
    replies = bytes([printer, offline_cause, paper])
    if not all(valid_reply(b) for b in replies):
        return unknown(f"malformed status reply {replies.hex(' ')}", replies)
    is_offline = bool(printer & 0x08)
    cover_open = bool(offline_cause & 0x04)
    paper_stop = bool(offline_cause & 0x20)
    error = bool(offline_cause & 0x40)
    paper_out = bool(paper & 0x60) or paper_stop
    near_end = bool(paper & 0x0C)
    paper_state: Literal["ok", "near-end", "out"] = "out" if paper_out else "near-end" if near_end else "ok"
    state: State
    if cover_open:
        state = "cover-open"
    elif paper_out:
        state = "paper-out"
    elif error:
        state = "error"
    elif is_offline:
        state = "offline"
    elif near_end:
        state = "near-end"
    else:
        state = "ok"
    return PrinterStatus(
        state=state,
        online=not is_offline,
        paper=paper_state,
        cover_open=cover_open,
        error=error,
        answered=True,
        replies=replies,
    )


def reply_bytes(
    paper_out: bool = False, near_end: bool = False, cover_open: bool = False, offline: bool = False
) -> dict[int, int]:
    """The reply byte a printer in this state gives to DLE EOT 1, 2, 3 and 4 (for simulators)."""
    stopped = paper_out or cover_open or offline
    return {
        1: 0x12 | (0x08 if stopped else 0),
        2: 0x12 | (0x04 if cover_open else 0) | (0x20 if paper_out else 0),
        3: 0x12,
        4: 0x12 | (0x0C if near_end or paper_out else 0) | (0x60 if paper_out else 0),
    }
