"""Vietnamese lunar calendar (âm lịch) to Gregorian dates, for Tết and Giỗ Tổ Hùng Vương.

Two public holidays follow the lunar calendar: Tết Nguyên đán (1/1 lunar) and Giỗ Tổ Hùng
Vương (10/3 lunar). The holiday files in assets/holidays/ list their Gregorian dates; this
module recomputes them so a test can catch a wrong date in a file, and so a person adding
next year's file can check the lunar dates before the government publishes its plan.

The method is the usual astronomical one for the Vietnamese calendar (time zone UTC+7):
months start on the day of the new moon; the month that contains the winter solstice is
month 11; a year with 13 months repeats the first month that contains no major solar term.
New moons and the sun's longitude use Jean Meeus' approximations ("Astronomical
Algorithms"), accurate to minutes over 1900-2100, which is enough to find the day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

VN_TZ_HOURS = 7.0
_SYNODIC_MONTH = 29.530588853
_JDN_1900_NEW_MOON = 2415021.076998695  # the new moon of 1900-01-01, Julian day


@dataclass(frozen=True)
class LunarDate:
    year: int
    month: int
    day: int
    leap: bool = False


def _jdn(d: date) -> int:
    """Julian day number of a Gregorian date."""
    return d.toordinal() + 1721425


def _from_jdn(jdn: int) -> date:
    return date.fromordinal(jdn - 1721425)


def _new_moon(k: int) -> float:
    """Julian day (UT) of the k-th new moon after 1900-01-01 (Meeus, chapter 49)."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3  # sun's mean anomaly
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3  # moon's mean anomaly
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3  # moon's argument of latitude
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 -= 0.4068 * math.sin(mpr * dr) - 0.0161 * math.sin(dr * 2 * mpr)
    c1 -= 0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 -= 0.0074 * math.sin(dr * (m - mpr)) - 0.0004 * math.sin(dr * (2 * f + m))
    c1 -= 0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - delta_t


def _new_moon_day(k: int, tz: float) -> int:
    """Local Julian day number on which the k-th new moon falls."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_longitude(jdn: float) -> float:
    """Sun's apparent longitude in radians, normalised to [0, 2π)."""
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    lon = (l0 + dl) * dr
    return lon - math.pi * 2 * math.floor(lon / (math.pi * 2))


def _sun_sector(day_jdn: int, tz: float) -> int:
    """Which 30° sector (0..11) the sun is in at local midnight starting the day."""
    return math.floor(_sun_longitude(day_jdn - 0.5 - tz / 24) / math.pi * 6)


def _month11_start(year: int, tz: float) -> int:
    """Julian day number of the first day of lunar month 11 that precedes 1 January of year+1."""
    off = _jdn(date(year, 12, 31)) - 2415021
    k = math.floor(off / _SYNODIC_MONTH)
    nm = _new_moon_day(k, tz)
    if _sun_sector(nm, tz) >= 9:
        nm = _new_moon_day(k - 1, tz)
    return nm


def _leap_month_offset(a11: int, tz: float) -> int:
    k = math.floor((a11 - _JDN_1900_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            break
    return i - 1


def lunar_to_solar(lunar: LunarDate, tz: float = VN_TZ_HOURS) -> date:
    """Gregorian date of a Vietnamese lunar date. Raises ValueError for a leap month that
    does not exist in that year."""
    if lunar.month < 11:
        a11 = _month11_start(lunar.year - 1, tz)
        b11 = _month11_start(lunar.year, tz)
    else:
        a11 = _month11_start(lunar.year, tz)
        b11 = _month11_start(lunar.year + 1, tz)
    k = math.floor(0.5 + (a11 - _JDN_1900_NEW_MOON) / _SYNODIC_MONTH)
    off = lunar.month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:  # a year with a leap month
        leap_off = _leap_month_offset(a11, tz)
        leap_month = leap_off - 2
        if leap_month < 0:
            leap_month += 12
        if lunar.leap and lunar.month != leap_month:
            raise ValueError(f"lunar year {lunar.year} has no leap month {lunar.month}")
        if lunar.leap or off >= leap_off:
            off += 1
    elif lunar.leap:
        raise ValueError(f"lunar year {lunar.year} has no leap month")
    month_start = _new_moon_day(k + off, tz)
    return _from_jdn(month_start + lunar.day - 1)


def solar_to_lunar(d: date, tz: float = VN_TZ_HOURS) -> LunarDate:
    """Vietnamese lunar date of a Gregorian date."""
    day_number = _jdn(d)
    k = math.floor((day_number - _JDN_1900_NEW_MOON) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1, tz)
    if month_start > day_number:
        month_start = _new_moon_day(k, tz)
    a11 = _month11_start(d.year, tz)
    b11 = a11
    if a11 >= month_start:
        lunar_year = d.year
        a11 = _month11_start(d.year - 1, tz)
    else:
        lunar_year = d.year + 1
        b11 = _month11_start(d.year + 1, tz)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, tz)
        if diff >= leap_diff:
            lunar_month = diff + 10
            if diff == leap_diff:
                leap = True
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return LunarDate(lunar_year, lunar_month, lunar_day, leap)


def tet(year: int) -> date:
    """Tết Nguyên đán: the first day of the lunar year that starts in Gregorian `year`."""
    return lunar_to_solar(LunarDate(year, 1, 1))


def gio_to_hung_vuong(year: int) -> date:
    """Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month."""
    return lunar_to_solar(LunarDate(year, 3, 10))


def last_day_of_lunar_year(year: int) -> date:
    """The day before Tết of `year` (29 or 30 tháng Chạp of the previous lunar year)."""
    return tet(year) - timedelta(days=1)
