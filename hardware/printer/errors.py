"""Typed printer errors, each with a message a kiosk can show to a citizen.

Every error carries `message_vi` (Vietnamese, shown first) and `message_en`
(English), written for a citizen standing at the kiosk: what happened and what
to do. The technical detail (a path, a URL, an OS error) is in `detail` and in
`str(error)`, for logs and for the hall's staff.

    try:
        print_slip(printer, data)
    except PaperOut as error:
        kiosk.show(error.message_vi, error.message_en)
"""

from __future__ import annotations

from collections.abc import Sequence

_ASK_STAFF_VI = "Vui lòng báo cán bộ tại quầy hướng dẫn."
_ASK_STAFF_EN = "Please ask a staff member for help."


class PrinterError(Exception):
    """Base of every printer error. Catch this to handle any printing failure."""

    message_vi: str = "Máy in gặp sự cố, chưa in được phiếu. " + _ASK_STAFF_VI
    message_en: str = "The printer has a problem and could not print your slip. " + _ASK_STAFF_EN

    def __init__(self, detail: str = "", *, message_vi: str | None = None, message_en: str | None = None):
        self.detail = detail
        if message_vi is not None:
            self.message_vi = message_vi
        if message_en is not None:
            self.message_en = message_en
        super().__init__(detail or self.message_en)

    def __str__(self) -> str:
        return self.detail or self.message_en


class PrinterOffline(PrinterError):
    """The printer cannot be reached, or says it is offline."""

    message_vi = "Máy in đang mất kết nối, chưa in được phiếu. " + _ASK_STAFF_VI
    message_en = "The printer is not connected and could not print your slip. " + _ASK_STAFF_EN


class DeviceMissing(PrinterOffline):
    """The device path or USB id given in the URL does not exist (unplugged, wrong path)."""

    message_vi = "Không tìm thấy máy in (có thể đã bị rút cáp). " + _ASK_STAFF_VI
    message_en = "The printer was not found (its cable may be unplugged). " + _ASK_STAFF_EN

    def __init__(self, path: str, detail: str = ""):
        self.path = path
        super().__init__(detail or f"printer device not found: {path}")


class PrinterNotResponding(PrinterOffline):
    """The printer is connected but does not answer the status query (DLE EOT)."""

    message_vi = "Máy in không phản hồi, chưa in được phiếu. " + _ASK_STAFF_VI
    message_en = "The printer is not responding and could not print your slip. " + _ASK_STAFF_EN


class PrinterTimeout(PrinterError):
    """A write made no progress within the write timeout: the printer stopped reading."""

    message_vi = "Máy in không nhận dữ liệu, phiếu có thể chưa được in. " + _ASK_STAFF_VI
    message_en = "The printer stopped accepting data; your slip may not have printed. " + _ASK_STAFF_EN


class PaperOut(PrinterError):
    """The paper roll is empty."""

    message_vi = "Máy in đã hết giấy. " + _ASK_STAFF_VI
    message_en = "The printer is out of paper. " + _ASK_STAFF_EN


class CoverOpen(PrinterError):
    """The printer cover is open."""

    message_vi = "Nắp máy in đang mở. " + _ASK_STAFF_VI
    message_en = "The printer cover is open. " + _ASK_STAFF_EN


class PrinterConfigError(PrinterError):
    """The printer configuration is wrong (URL, profile, width). For staff, not citizens."""

    message_vi = "Cấu hình máy in chưa đúng. " + _ASK_STAFF_VI
    message_en = "The printer is not configured correctly. " + _ASK_STAFF_EN


class UnknownScheme(PrinterConfigError):
    """The URL scheme is not one we can open; the message lists the supported ones."""

    def __init__(self, url: str, supported: Sequence[str]):
        self.url = url
        self.supported = tuple(supported)
        listed = ", ".join(f"{s}://" for s in self.supported)
        super().__init__(f"unknown printer URL scheme in {url!r}; supported: {listed}")


class UnknownProfile(PrinterConfigError):
    """The profile name is not in python-escpos' capabilities; lists close matches."""

    def __init__(self, name: str, close_matches: Sequence[str]):
        self.name = name
        self.close_matches = tuple(close_matches)
        hint = f"; did you mean: {', '.join(self.close_matches)}?" if self.close_matches else ""
        super().__init__(f"unknown printer profile {name!r}{hint} (`motcua printer profiles` lists them)")


class BadPrinterUrl(PrinterConfigError):
    """The URL has the right scheme but a malformed part (port, baud rate, USB id...)."""
