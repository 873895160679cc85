"""The queue ticket slip: the paper a citizen takes from the kiosk.

    slip = TicketSlip(
        hall_name="UBND Phường Bến Nghé",
        ticket_code="A012",
        service_name="Đăng ký khai sinh",
        counters=("3", "5"),
        issued_at=datetime(2025, 11, 27, 8, 15),
        people_ahead=5,
        estimated_wait_minutes=15,
        position_url="https://hall.example/t/A012",
    )
    data = render_ticket_slip(slip, profile="TM-T20II", width_mm=80)

Vietnamese first (labels, wait, footer); then one short English line in plain ASCII,
which every printer prints natively for a few bytes. `issued_at` is printed as given:
pass the site's local time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hardware.printer.layout import SlipRendering, layout_slip
from hardware.printer.profiles import PrinterProfile
from hardware.printer.slip import Slip, SlipBuilder

DEFAULT_FOOTER = "Vui lòng giữ phiếu và chờ đến lượt. Xin cảm ơn!"


@dataclass(frozen=True)
class TicketSlip:
    """Everything printed on a queue ticket, as plain data."""

    hall_name: str
    ticket_code: str
    service_name: str
    counters: Sequence[str]
    issued_at: datetime
    people_ahead: int
    estimated_wait_minutes: int | None
    position_url: str
    footer: str = DEFAULT_FOOTER
    hall_subtitle: str | None = None
    english: bool = True


def wait_text_vi(minutes: int | None) -> str:
    """The estimated wait in Vietnamese: "khoảng 15 phút", "khoảng 1 giờ 20 phút"."""
    if minutes is None:
        return "chưa xác định"
    if minutes <= 0:
        return "sắp đến lượt"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"khoảng {hours} giờ {rest} phút"
    if hours:
        return f"khoảng {hours} giờ"
    return f"khoảng {minutes} phút"


def wait_text_en(minutes: int | None) -> str:
    if minutes is None:
        return "wait unknown"
    if minutes <= 0:
        return "almost your turn"
    return f"about {minutes} min"


def ticket_slip_elements(slip: TicketSlip) -> Slip:
    """The ticket as generic slip elements (also the model for other slips)."""
    counters = ", ".join(str(c) for c in slip.counters) or "-"
    builder = SlipBuilder().text(slip.hall_name, "title")
    if slip.hall_subtitle:
        builder.text(slip.hall_subtitle, "small", "center")
    builder.separator()
    builder.text("Số thứ tự của Ông/Bà", "small", "center")
    builder.text(slip.ticket_code, "huge", "bold", "center")
    builder.text(slip.service_name, "bold", "center")
    builder.feed(1)
    builder.columns("Các quầy phục vụ:", counters, "bold")  # not "Quầy:", which reads as "go now"
    builder.columns("Giờ lấy số:", slip.issued_at.strftime("%H:%M %d/%m/%Y"))
    builder.columns("Số người chờ trước Ông/Bà:", str(slip.people_ahead))
    builder.columns("Thời gian chờ:", wait_text_vi(slip.estimated_wait_minutes))
    builder.separator()
    builder.qr(slip.position_url)
    builder.text("Quét mã để xem lượt của Ông/Bà", "small", "center")
    if slip.footer:
        builder.text(slip.footer, "small", "center")
    if slip.english:
        plural = "person" if slip.people_ahead == 1 else "people"
        builder.text(
            f"Ticket {slip.ticket_code} - counter {counters} - {slip.people_ahead} {plural} ahead, "
            f"{wait_text_en(slip.estimated_wait_minutes)}. Scan the QR code to follow your turn.",
            "small",
            "center",
        )
    return builder.build()


def layout_ticket_slip(
    slip: TicketSlip, profile: str | PrinterProfile | None = None, width_mm: int = 80
) -> SlipRendering:
    """Like `render_ticket_slip`, with the per-line encoding decisions."""
    return layout_slip(ticket_slip_elements(slip), profile, width_mm)


def render_ticket_slip(slip: TicketSlip, profile: str | PrinterProfile | None = None, width_mm: int = 80) -> bytes:
    """The ESC/POS bytes of a ticket slip for a profile (python-escpos model name or None) and width."""
    return layout_ticket_slip(slip, profile, width_mm).data
