"""Numbers taken from a phone (lấy số từ xa), the use cases; the rules are domain/remote.py.

    settings.py   a site's rules and its services' quotas (admin; each change one audit event)
    numbers.py    the public list of services and taking a number with a phone number
    checkin.py    check-in by code (kiosk) or by the hall's poster (phone), and expiry
    hours.py      the working sessions numbers may be taken in (one function)
    limits.py     fixed-window rate counters shared by every server process

See docs/remote-numbers.md.
"""
