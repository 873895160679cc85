"""Sample slips the printer tests and benchmarks print: the ticket, a generic slip, the test slip."""

from __future__ import annotations

from datetime import datetime

from hardware.printer.slip import Slip, SlipBuilder
from hardware.printer.ticket import TicketSlip

TICKET = TicketSlip(
    hall_name="UBND Phường Bến Nghé",
    hall_subtitle="Bộ phận tiếp nhận và trả kết quả",
    ticket_code="A012",
    service_name="Đăng ký khai sinh",
    counters=("3", "5"),
    issued_at=datetime(2025, 11, 27, 8, 15),
    people_ahead=5,
    estimated_wait_minutes=15,
    position_url="https://motcua.example/t/2025-11-27/A012",
)

# A ticket whose every line is ASCII but the Vietnamese labels: what a hall with an
# English-only service list prints.
TICKET_LONG_SERVICE = TicketSlip(
    hall_name="Trung tâm Phục vụ hành chính công tỉnh Thừa Thiên Huế",
    ticket_code="B105",
    service_name="Cấp giấy phép xây dựng nhà ở riêng lẻ (điều chỉnh, gia hạn, cấp lại)",
    counters=("12",),
    issued_at=datetime(2025, 11, 27, 14, 59),
    people_ahead=23,
    estimated_wait_minutes=95,
    position_url="https://motcua.example/t/2025-11-27/B105?lang=vi",
)


def generic_slip() -> Slip:
    """Every element and style, including lines that must wrap and a word longer than a line."""
    return (
        SlipBuilder()
        .text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "title")
        .text("Mã hồ sơ: 000.00.06.H56-231027-0361", "bold")
        .separator("=")
        .columns("Người nộp:", "Nguyễn Thị Ngọc Ánh")
        .columns("Thủ tục:", "Chứng thực bản sao từ bản chính (2 trang, mỗi trang 2.000 đồng)")
        .columns("Ngày hẹn trả:", "28/11/2025 15:00", "bold")
        .text("Lệ phí 4.000 đồng", "large", "center")
        .text("Ghi chú: nhận kết quả tại quầy số 5 hoặc qua bưu chính công ích", "small")
        .text("Siêuđặcbiệtdàikhôngcókhoảngtrắngnàocảđểkiểmtraviệcngắtdòngđúngchỗ")
        .text("Plain ASCII line, right aligned", "right")
        .separator("─")
        .text("Ελληνικά и русский: other scripts go as images", "small")
        .feed(1)
        .qr("https://motcua.example/h/000.00.06.H56-231027-0361")
        .text("Tra cứu hồ sơ", "center")
        .build()
    )


def standard_slip_for(profile_label: str, width_mm: int, width_dots: int) -> Slip:
    from hardware.cli import standard_test_slip

    return standard_test_slip("Bộ phận tiếp nhận và trả kết quả", ["Dòng thêm: Xin chào quý khách"], profile_label,
                     width_mm, width_dots)
