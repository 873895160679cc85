"""Messages out to a hall's SMS or Zalo gateway: what they say, how a delivery is signed,
and when a failed delivery is tried again. Pure rules; the outbox and the delivery loop are
in services/notifications/.

Signature (the receiver checks it with the shared secret): the header
``X-Motcua-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``, where
body is the exact bytes of the request's JSON. A receiver should refuse a timestamp more
than five minutes old (replays) and de-duplicate by ``X-Motcua-Message-Id`` (a message is
sent again only when its delivery was not acknowledged with a 2xx).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

# delays before the 2nd, 3rd... attempt: doubling from 10 s, at most 10 minutes apart
FIRST_RETRY_S = 10
MAX_RETRY_S = 600
SIGNATURE_HEADER = "X-Motcua-Signature"
MESSAGE_ID_HEADER = "X-Motcua-Message-Id"
REPLAY_WINDOW_S = 300

KINDS = ("ticket.called", "ticket.ahead", "appointment.tomorrow")


def retry_delay_s(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt (1 = the first)."""
    if attempts < 1:
        raise ValueError("attempts start at 1")
    return min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** min(attempts - 1, 16))


def retryable(status: int | None) -> bool:
    """A failed attempt is tried again unless the receiver said the message itself is wrong
    (4xx other than 408 timeout and 429 too many requests). None: no answer at all."""
    if status is None or status >= 500:
        return True
    return status in (408, 429) or not 400 <= status < 500


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int) -> bool:
    """What a receiver does (and what the tests do as the fake gateway)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > REPLAY_WINDOW_S:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


@dataclass(frozen=True)
class Text:
    vi: str
    en: str


def called_text(code: str, counter_number: int | None, call_count: int) -> Text:
    counter = f" đến quầy số {counter_number}" if counter_number is not None else ""
    counter_en = f" to counter {counter_number}" if counter_number is not None else ""
    again = "" if call_count <= 1 else f" (lần {call_count})"
    again_en = "" if call_count <= 1 else f" (call {call_count})"
    return Text(f"Xin mời số {code}{counter}{again}.", f"Number {code}, please go{counter_en}{again_en}.")


def ahead_text(code: str, people_ahead: int) -> Text:
    if people_ahead <= 0:
        return Text(f"Số {code}: sắp đến lượt Ông/Bà, xin mời có mặt tại sảnh.",
                    f"Number {code}: you are next, please be in the hall.")
    return Text(f"Số {code}: còn {people_ahead} người trước Ông/Bà, xin mời có mặt tại sảnh.",
                f"Number {code}: {people_ahead} ahead of you, please be in the hall.")


def tomorrow_text(code: str, service_vi: str, service_en: str, at_local: str) -> Text:
    return Text(f"Nhắc lịch hẹn {code}: {service_vi}, {at_local} ngày mai. Mang theo mã khi đến ki-ốt.",
                f"Reminder {code}: {service_en or service_vi}, tomorrow {at_local}. Bring the code to the kiosk.")


__all__ = ["KINDS", "Text", "ahead_text", "called_text", "retry_delay_s", "retryable", "signature",
           "tomorrow_text", "verify"]
