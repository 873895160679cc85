"""How dossier dates, money and states are written on paper and screens (Vietnamese first)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DELIVERY_NAMES = {
    "counter": ("Bộ phận tiếp nhận và trả kết quả (tại quầy)", "At the one-stop desk (counter)"),
    "post": ("Qua dịch vụ bưu chính", "By post"),
}
CHANNEL_NAMES = {"truc_tiep": ("Trực tiếp", "In person"), "truc_tuyen": ("Trực tuyến", "Online"),
                 "buu_chinh": ("Dịch vụ bưu chính", "By post")}


def local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


def vi_datetime(at: datetime) -> str:
    """"17 giờ 00 phút, Thứ Năm, ngày 05/03/2026" (give local time)."""
    return f"{at:%H} giờ {at:%M} phút, {WEEKDAYS_VI[at.weekday()]}, ngày {at:%d/%m/%Y}"


def vi_time_date(at: datetime) -> str:
    """"08 giờ 30 phút, ngày 02/03/2026"."""
    return f"{at:%H} giờ {at:%M} phút, ngày {at:%d/%m/%Y}"


def short(at: datetime | None) -> str:
    return "" if at is None else f"{at:%H:%M %d/%m/%Y}"


def vi_place_date(place: str, at: datetime) -> str:
    """"An Bình, ngày 02 tháng 3 năm 2026" (months 1 and 2 written 01, 02 by the decree's habit)."""
    month = f"{at.month:02d}" if at.month < 3 else str(at.month)
    prefix = f"{place}, ngày" if place else "Ngày"
    return f"{prefix} {at:%d} tháng {month} năm {at.year}"


def vnd(amount: int) -> str:
    """"20.000 đồng"; "Không thu phí" for 0."""
    if not amount:
        return "Không thu phí, lệ phí"
    return f"{amount:,}".replace(",", ".") + " đồng"


def count2(n: int) -> str:
    """Counts on forms are written with two digits: 01, 02."""
    return f"{n:02d}"


__all__ = ["local", "vi_datetime", "vi_time_date", "short", "vi_place_date", "vnd", "count2", "WEEKDAYS_VI",
           "DELIVERY_NAMES", "CHANNEL_NAMES"]
