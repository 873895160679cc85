"""Appointments (đặt lịch hẹn): a supervisor sets each service's slots, a citizen books one
on the public page and gets a code and a QR, and on the day the kiosk turns the booking into
a waiting ticket that dispatch calls near its slot time (domain/dispatch.py, rule 0).

    settings.py     the slot settings of a service (read, change with one audit event), and
                    the site's calendar and hours the slots are cut from (`site_calendar`)
    booking.py      the public side: what can be booked, book, read and cancel a booking
    checkin.py      check_in_booking (booking -> ticket), the no-show round
    supervision.py  the supervisor's day: bookings per slot with names (staff only)
    limits.py       rate counters shared by every server process

The rules themselves (slots, tolerance, share, codes) are pure, in domain/appointments.py.
"""

from queue_server.services.appointments.booking import (
    book,
    booking_key,
    cancel_booking,
    days_open,
    find_by_code,
    options,
    public_booking,
    slots_of_day,
)
from queue_server.services.appointments.checkin import check_in_booking, code_of_page, mark_no_shows
from queue_server.services.appointments.settings import get_settings, site_calendar, update_settings
from queue_server.services.appointments.supervision import day_bookings

__all__ = ["book", "booking_key", "cancel_booking", "days_open", "check_in_booking", "code_of_page", "day_bookings", "find_by_code",
           "get_settings", "mark_no_shows", "options", "public_booking", "site_calendar", "slots_of_day",
           "update_settings"]
