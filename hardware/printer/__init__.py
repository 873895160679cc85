"""Thermal receipt printers: slips in correct Vietnamese, printers by URL, honest status.

The public API (what the kiosk and the server call):

    from hardware.printer import (
        TicketSlip, render_ticket_slip,          # the queue ticket: data -> bytes
        Slip, SlipBuilder, render_slip,          # any other slip
        open_printer, print_slip,                # send it, with status check and timeouts
        PrinterError, PaperOut, CoverOpen, PrinterOffline, DeviceMissing,
        PrinterNotResponding, PrinterTimeout, UnknownScheme, UnknownProfile,
    )

    printer = open_printer("tcp://10.0.0.5:9100", profile="TM-T20II", width_mm=80)
    try:
        print_slip(printer, ticket)               # a TicketSlip, a Slip or bytes
    except PrinterError as error:
        show(error.message_vi, error.message_en)  # what to tell the citizen

See docs/hardware.md for URLs, bounds and the encoding rules.
"""

from __future__ import annotations

from hardware.printer.connection import Printer, open_printer, parse_printer_url
from hardware.printer.errors import (
    BadPrinterUrl,
    CoverOpen,
    DeviceMissing,
    PaperOut,
    PrinterConfigError,
    PrinterError,
    PrinterNotResponding,
    PrinterOffline,
    PrinterTimeout,
    UnknownProfile,
    UnknownScheme,
)
from hardware.printer.layout import PrintedLine, SlipRendering, layout_slip, render_slip
from hardware.printer.profiles import PrinterProfile, resolve_profile
from hardware.printer.slip import Columns, Feed, QrCode, Separator, Slip, SlipBuilder, Text
from hardware.printer.status import PrinterStatus
from hardware.printer.ticket import TicketSlip, layout_ticket_slip, render_ticket_slip

__all__ = [
    "BadPrinterUrl", "Columns", "CoverOpen", "DeviceMissing", "Feed", "PaperOut", "PrintedLine", "Printer",
    "PrinterConfigError", "PrinterError", "PrinterNotResponding", "PrinterOffline", "PrinterProfile",
    "PrinterStatus", "PrinterTimeout", "QrCode", "Separator", "Slip", "SlipBuilder", "SlipRendering", "Text",
    "TicketSlip", "UnknownProfile", "UnknownScheme", "layout_slip", "layout_ticket_slip", "open_printer",
    "parse_printer_url", "print_slip", "render_slip", "render_ticket_slip", "resolve_profile",
]  # fmt: skip


def print_slip(
    printer: str | Printer,
    slip: bytes | Slip | TicketSlip,
    *,
    check_status: bool = True,
) -> PrinterStatus:
    """Print a slip, refusing loudly instead of dropping it silently.

    `printer` is a Printer or a URL (opened and closed here). `slip` is bytes already
    rendered, or a Slip/TicketSlip rendered here for the printer's profile and width.

    With `check_status` (default) the printer is asked first: paper out raises PaperOut,
    cover open CoverOpen, offline or error PrinterOffline, and a printer that should answer
    but stays silent PrinterNotResponding - in each case nothing is sent. (A printer whose
    URL says `status=none`, or a plain file, cannot be asked; it is printed to anyway.)
    After sending, the printer is asked again; if it ran out of paper or was opened during
    the job, that error is raised too, since the citizen did not get a whole slip.

    Returns the last status read (e.g. state "near-end": printed, but change the roll soon).
    Raises PrinterTimeout when the printer stops taking data (see open_printer's bounds).
    """
    own = isinstance(printer, str)
    target = open_printer(printer) if isinstance(printer, str) else printer
    try:
        if isinstance(slip, TicketSlip):
            data = render_ticket_slip(slip, target.profile)
        elif isinstance(slip, Slip):
            data = render_slip(slip, target.profile)
        else:
            data = bytes(slip)
        target.connect()  # DeviceMissing names the path; PrinterOffline says why
        before = target.status() if check_status else None
        if before is not None and target.answers_status:
            error = before.error_for_state()
            if error is not None:
                raise error
        target.print_bytes(data)
        if before is None or not target.answers_status:
            return before or target.status()
        after = target.status()
        if after.state in ("paper-out", "cover-open"):
            raise after.error_for_state()  # type: ignore[misc]
        return after
    finally:
        if own:
            target.close()
