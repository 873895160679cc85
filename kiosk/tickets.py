"""Taking a number at the kiosk, without the screen: issue once, print, tell the hall.

The order follows the design rule "commit before you act outside": the server issues
and commits the ticket, then the slip prints. A failed print never loses the number
(the screen keeps showing it and can print again) and never issues a second one; the
failure is reported to the server (`kiosk.print_failed`) so supervisors see it. Reports
that cannot be sent (server down) are kept and sent when the server is back.

`TicketFlow.issue` is guarded: while one issue is in flight, another call (a double tap)
returns None instead of asking the server again. Blocking calls; the app runs them on a
worker thread.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hardware.printer import PrinterError, TicketSlip, open_printer, print_slip
from kiosk.client import KioskClient, KioskError, Offline
from kiosk.strings import wait_minutes

logger = logging.getLogger("motcua.kiosk")


@dataclass
class Issued:
    """A number the server issued, as the screen and the slip show it."""

    ticket_id: int
    code: str
    service_name_vi: str
    service_name_en: str
    counters: list[int]
    people_ahead: int
    estimated_wait_s: int | None
    issued_at: datetime  # site local time
    position_url: str
    printed: bool = False
    print_error: PrinterError | None = None

    @classmethod
    def from_reply(cls, reply: dict[str, Any], timezone: str) -> Issued:
        ticket = reply["ticket"]
        at = datetime.fromisoformat(ticket["issued_at"])
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        try:
            local = at.astimezone(ZoneInfo(timezone or "Asia/Ho_Chi_Minh"))
        except Exception:  # noqa: BLE001 - an unknown zone still prints a time
            local = at
        return cls(ticket_id=ticket["id"], code=ticket["code"], service_name_vi=ticket.get("service_name_vi", ""),
                   service_name_en=ticket.get("service_name_en", ""), counters=list(reply.get("counters") or []),
                   people_ahead=int(reply.get("people_ahead") or 0), estimated_wait_s=reply.get("estimated_wait_s"),
                   issued_at=local.replace(tzinfo=None), position_url=reply.get("position_url", ""))


class TicketFlow:
    def __init__(self, client: KioskClient, *, printer_url: str = "", printer_profile: str = "",
                 printer_width_mm: int = 80) -> None:
        self.client = client
        self.printer = (open_printer(printer_url, profile=printer_profile or None, width_mm=printer_width_mm)
                        if printer_url else None)
        self.hall_name = ""
        self.timezone = "Asia/Ho_Chi_Minh"
        self._busy = threading.Lock()
        self._pending_reports: list[tuple[int, str]] = []
        self._reports_lock = threading.Lock()
        self._flushing = threading.Lock()

    @property
    def has_printer(self) -> bool:
        return self.printer is not None

    @property
    def issuing(self) -> bool:
        return self._busy.locked()

    def issue(self, service_id: int, priority: str = "normal", procedure_code: str | None = None) -> Issued | None:
        """Ask the server for a number; None when another issue is already in flight.
        Raises the client's KioskError (Offline, Unconfirmed, RateLimited, ServerRefused)."""
        if not self._busy.acquire(blocking=False):
            return None
        try:
            # one key per tap: a retry after a lost answer returns the same ticket
            reply = self.client.issue(service_id, priority, procedure_code, request_key=uuid.uuid4().hex)
            return Issued.from_reply(reply, self.timezone)
        finally:
            self._busy.release()

    def slip(self, issued: Issued) -> TicketSlip:
        return TicketSlip(hall_name=self.hall_name or "Bộ phận Một cửa", ticket_code=issued.code,
                          service_name=issued.service_name_vi, counters=[str(c) for c in issued.counters],
                          issued_at=issued.issued_at, people_ahead=issued.people_ahead,
                          estimated_wait_minutes=wait_minutes(issued.estimated_wait_s),
                          position_url=issued.position_url or issued.code)

    def print(self, issued: Issued) -> PrinterError | None:
        """Print the slip; the error (None when printed). A failure is reported to the hall."""
        if self.printer is None:
            return None
        try:
            print_slip(self.printer, self.slip(issued))
        except Exception as exc:  # noqa: BLE001 - whatever broke, the citizen keeps the number
            error = exc if isinstance(exc, PrinterError) else PrinterError(f"{type(exc).__name__}: {exc}")
            logger.warning("slip %s did not print: %s", issued.code, error)
            issued.printed, issued.print_error = False, error
            self.report_failure(issued, error)
            return error
        issued.printed, issued.print_error = True, None
        return None

    def report_failure(self, issued: Issued, error: PrinterError) -> None:
        """Queue a report and send it on its own thread: the screen says "not printed" at once."""
        reason = f"{type(error).__name__}: {error}"[:200]
        with self._reports_lock:
            self._pending_reports.append((issued.ticket_id, reason))
        threading.Thread(target=self.flush_reports, name="kiosk-report", daemon=True).start()

    def flush_reports(self) -> int:
        """Send the print failures not yet reported; returns how many were sent."""
        sent = 0
        while True:
            if not self._flushing.acquire(blocking=False):
                return sent  # another thread is sending them
            try:
                done, offline = self._flush()
                sent += done
            finally:
                self._flushing.release()
            if offline or not self.pending_reports:  # (one may have come in as we finished)
                return sent

    def _flush(self) -> tuple[int, bool]:
        sent = 0
        while True:
            with self._reports_lock:
                if not self._pending_reports:
                    return sent, False
                ticket_id, reason = self._pending_reports[0]
            try:
                self.client.report_print_failure(ticket_id, reason)
            except Offline:
                return sent, True  # kept; sent when the server is back
            except KioskError as error:  # refused (e.g. unknown ticket): nothing to retry
                logger.warning("print failure report refused: %s", error)
            with self._reports_lock:
                if self._pending_reports and self._pending_reports[0][0] == ticket_id:
                    self._pending_reports.pop(0)
            sent += 1

    # the printer's state as the hall's monitor names it (POST /api/v1/devices/heartbeat)
    HEARTBEAT_STATES = {"ok": "ok", "near-end": "paper_low", "paper-out": "paper_out", "cover-open": "error",
                        "error": "error", "offline": "offline"}

    def printer_state(self) -> str:
        """"ok", "paper_low", "paper_out", "offline" or "error" as the printer says it now; "" when
        there is no printer or it does not say (a printer that never reports is not an alert)."""
        if self.printer is None:
            return ""
        try:
            return self.HEARTBEAT_STATES.get(self.printer.status().state, "")
        except Exception as exc:  # noqa: BLE001 - a status query must never stop the kiosk
            logger.warning("printer status unreadable: %s", exc)
            return "offline"

    @property
    def pending_reports(self) -> int:
        with self._reports_lock:
            return len(self._pending_reports)

    def close(self) -> None:
        if self.printer is not None:
            self.printer.close()
