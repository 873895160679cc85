"""Dossier rules (hồ sơ một cửa): applicant checks, dossier and lookup codes, name masking,
the dossier's life cycle, and whether a step or a result came before, on or after its due date.

Pure: plain data in, plain data out; no clock, no database, no files. The use cases in
queue_server/services/dossiers.py call these with the site's local time.

* Applicant checks (`check_applicant`) return every field error at once, Vietnamese first,
  with the field's name, so the counter page can mark each wrong box.
  CCCD (căn cước công dân / thẻ căn cước): exactly 12 digits. Phone: a Vietnamese number,
  mobile 0[35789]xxxxxxxx or landline 02xxxxxxxxx, written with spaces, dots, dashes or
  +84 as people write them; stored as 0xxxxxxxxx. E-mail: one @, a dotted domain.
* Dossier code (`dossier_code`): agency code + "-" + yymmdd + "-" + daily counter of 4
  digits (5 after the 9 999th dossier of a day), e.g. 000.00.06.H56-260302-0001.
* Lookup code (`new_lookup_code`): 10 characters from an alphabet without look-alikes
  (no 0/O, 1/I/L), printed in two groups of five (ABCDE-23456); 31^10, about 8.2e14 codes,
  so guessing one is hopeless within the lookup's limits (the bound is in docs/dossiers.md).
  Dossiers received before the change keep their 6-character codes, which still work.
* Masking (`mask_name`): "Nguyễn Văn An" -> "N*** V** A": each word keeps its first letter
  and at most three stars (the length of a long word is not revealed), the last word
  (the given name) only its first letter.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from queue_server.domain.working_days import WorkCalendar, WorkingHours

# ------------------------------------------------------------------------ applicant


@dataclass(frozen=True)
class FieldError:
    field: str
    message_vi: str
    message_en: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message_vi, "message_en": self.message_en}


ID_TYPES = ("cccd", "passport", "other")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE_OK = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")
_EMAIL_OK = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_PASSPORT_OK = re.compile(r"^[A-Z0-9]{6,12}$")


def clean_text(value: str | None) -> str:
    """NFC, no control characters, inner runs of spaces collapsed, trimmed."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", value or ""))
    return re.sub(r"\s+", " ", text).strip()


def normalize_phone(raw: str) -> str | None:
    """A phone number as stored (0xxxxxxxxx), or None when it is not a Vietnamese number."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _PHONE_OK.match(digits) else None


def normalize_id(raw: str, id_type: str) -> str | None:
    text = re.sub(r"[\s.\-]", "", raw or "").upper()
    if id_type == "cccd":
        return text if re.fullmatch(r"\d{12}", text) else None
    if id_type == "passport":
        return text if _PASSPORT_OK.match(text) else None
    return text if 3 <= len(text) <= 20 and text.isalnum() else None


@dataclass(frozen=True)
class Applicant:
    name: str
    address: str
    id_type: str = "cccd"
    id_number: str = ""
    phone: str = ""
    email: str = ""


def check_applicant(raw: Mapping[str, Any], *, prefix: str = "applicant.") -> tuple[Applicant | None, list[FieldError]]:
    """The cleaned applicant, or None and every field error (name, address, id, phone, e-mail)."""
    errors: list[FieldError] = []
    name = clean_text(raw.get("name"))
    address = clean_text(raw.get("address"))
    id_type = clean_text(raw.get("id_type")) or "cccd"
    id_raw = clean_text(raw.get("id_number"))
    phone_raw = clean_text(raw.get("phone"))
    email = clean_text(raw.get("email"))
    if not name:
        errors.append(FieldError(prefix + "name", "Cần nhập họ và tên người nộp hồ sơ.",
                                 "Enter the applicant's full name."))
    elif len(name) > 200:
        errors.append(FieldError(prefix + "name", "Họ tên dài quá 200 ký tự.", "The name is longer than 200 characters."))
    if not address:
        errors.append(FieldError(prefix + "address", "Cần nhập địa chỉ.", "Enter the address."))
    elif len(address) > 300:
        errors.append(FieldError(prefix + "address", "Địa chỉ dài quá 300 ký tự.",
                                 "The address is longer than 300 characters."))
    id_number = ""
    if id_type not in ID_TYPES:
        errors.append(FieldError(prefix + "id_type", "Loại giấy tờ không hợp lệ.", "Unknown kind of ID document."))
    elif id_raw:
        normal = normalize_id(id_raw, id_type)
        if normal is None:
            if id_type == "cccd":
                errors.append(FieldError(prefix + "id_number", "Số CCCD phải gồm đúng 12 chữ số.",
                                         "A citizen ID (CCCD) number has exactly 12 digits."))
            elif id_type == "passport":
                errors.append(FieldError(prefix + "id_number", "Số hộ chiếu gồm 6–12 chữ cái hoặc chữ số.",
                                         "A passport number has 6–12 letters or digits."))
            else:
                errors.append(FieldError(prefix + "id_number", "Số giấy tờ gồm 3–20 chữ cái hoặc chữ số.",
                                         "An ID number has 3–20 letters or digits."))
        else:
            id_number = normal
    phone = ""
    if phone_raw:
        normal_phone = normalize_phone(phone_raw)
        if normal_phone is None:
            errors.append(FieldError(prefix + "phone",
                                     "Số điện thoại không hợp lệ (di động 10 số, ví dụ 0912 345 678; "
                                     "cố định 11 số bắt đầu bằng 02).",
                                     "Not a Vietnamese phone number (mobile: 10 digits such as 0912 345 678; "
                                     "landline: 11 digits starting 02)."))
        else:
            phone = normal_phone
    if email and (len(email) > 254 or not _EMAIL_OK.match(email)):
        errors.append(FieldError(prefix + "email", "Địa chỉ thư điện tử không hợp lệ (ví dụ ten@vi-du.vn).",
                                 "Not a valid e-mail address (e.g. name@example.vn)."))
    if errors:
        return None, errors
    return Applicant(name=name, address=address, id_type=id_type, id_number=id_number, phone=phone,
                     email=email.lower()), []


# ------------------------------------------------------------------------ codes

LOOKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LOOKUP_LENGTH = 10


def dossier_code(agency_code: str, day: date, number: int) -> str:
    """e.g. dossier_code("000.00.06.H56", date(2026, 3, 2), 1) == "000.00.06.H56-260302-0001"."""
    if number < 1:
        raise ValueError("the daily counter starts at 1")
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def new_lookup_code(choice: Any = secrets.choice) -> str:
    return "".join(choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))


def format_lookup_code(code: str) -> str:
    """As printed: "ABCDE23456" -> "ABCDE-23456" (easier to read out and type); a short
    code of an older dossier as it is."""
    return f"{code[:5]}-{code[5:]}" if len(code) == 10 else code


def normalize_lookup_code(raw: str) -> str:
    """What a citizen types, as stored: capitals, no spaces or dashes; O read as 0 is not
    possible since neither is in the alphabet, but a typed o/0 becomes nothing useful."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def normalize_dossier_code(raw: str) -> str:
    return re.sub(r"\s", "", raw or "").upper()


# ------------------------------------------------------------------------ masking


def mask_name(name: str) -> str:
    """N*** V** A for "Nguyễn Văn An": initials, at most three stars per word, given name bare."""
    words = clean_text(name).split(" ")
    words = [w for w in words if w]
    if not words:
        return ""
    out = []
    for i, word in enumerate(words):
        first = word[0].upper()
        if i == len(words) - 1 and len(words) > 1:
            out.append(first)
        else:
            out.append(first + "*" * min(len(word) - 1, 3))
    return " ".join(out)


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(0, len(phone) - 6) + phone[-3:] if len(phone) >= 7 else ""


# ------------------------------------------------------------------------ life cycle


class DossierState(StrEnum):
    RECEIVED = "received"  # đã tiếp nhận
    IN_PROGRESS = "in_progress"  # đang giải quyết
    SUPPLEMENT = "supplement_requested"  # chờ bổ sung
    RESULT_READY = "result_ready"  # đã có kết quả, chờ trả
    REFUSED = "refused"  # từ chối giải quyết
    RETURNED = "returned"  # đã trả kết quả


STATE_NAMES: dict[DossierState, tuple[str, str]] = {
    DossierState.RECEIVED: ("Đã tiếp nhận", "Received"),
    DossierState.IN_PROGRESS: ("Đang giải quyết", "In progress"),
    DossierState.SUPPLEMENT: ("Chờ bổ sung hồ sơ", "Waiting for more documents"),
    DossierState.RESULT_READY: ("Đã có kết quả, chờ trả", "Result ready for collection"),
    DossierState.REFUSED: ("Từ chối giải quyết", "Refused"),
    DossierState.RETURNED: ("Đã trả kết quả", "Result returned"),
}


class DossierAction(StrEnum):
    HAND_OFF = "hand_off"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    RESULT_READY = "result_ready"
    RETURN = "return"
    APOLOGY = "apology"


_S = DossierState
_TRANSITIONS: dict[DossierAction, tuple[frozenset[DossierState], DossierState | None]] = {
    DossierAction.HAND_OFF: (frozenset({_S.RECEIVED, _S.IN_PROGRESS}), _S.IN_PROGRESS),
    DossierAction.REQUEST_SUPPLEMENT: (frozenset({_S.RECEIVED, _S.IN_PROGRESS}), _S.SUPPLEMENT),
    DossierAction.SUPPLEMENT: (frozenset({_S.SUPPLEMENT}), _S.RECEIVED),
    DossierAction.REFUSE: (frozenset({_S.RECEIVED, _S.IN_PROGRESS, _S.SUPPLEMENT}), _S.REFUSED),
    DossierAction.RESULT_READY: (frozenset({_S.RECEIVED, _S.IN_PROGRESS}), _S.RESULT_READY),
    DossierAction.RETURN: (frozenset({_S.RESULT_READY, _S.REFUSED}), _S.RETURNED),
    # an apology changes the appointment, not the state
    DossierAction.APOLOGY: (frozenset({_S.RECEIVED, _S.IN_PROGRESS}), None),
}

OPEN_STATES = frozenset({_S.RECEIVED, _S.IN_PROGRESS})  # the hall's clock is running


def next_dossier_state(state: DossierState | str, action: DossierAction | str) -> DossierState | None:
    """The state after `action`, the same state for an apology, or None when not allowed."""
    state, action = DossierState(state), DossierAction(action)
    allowed, target = _TRANSITIONS[action]
    if state not in allowed:
        return None
    return target or state


# ------------------------------------------------------------------------ timing


class Timing(StrEnum):
    EARLY = "early"  # trước hạn
    ON_TIME = "on_time"  # đúng hạn
    LATE = "late"  # quá hạn


TIMING_NAMES: dict[Timing, tuple[str, str]] = {
    Timing.EARLY: ("Trước hạn", "Early"),
    Timing.ON_TIME: ("Đúng hạn", "On time"),
    Timing.LATE: ("Quá hạn", "Late"),
}


def timing(done_local: datetime, due_local: datetime) -> Timing:
    """Before the due day: early; on the due day up to the due time: on time; after: late
    (as the control slip, Mẫu 05, records each hand-off)."""
    if done_local > due_local:
        return Timing.LATE
    if done_local.date() < due_local.date():
        return Timing.EARLY
    return Timing.ON_TIME


class DueState(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"  # sắp đến hạn
    OVERDUE = "overdue"  # quá hạn


DUE_STATE_NAMES: dict[DueState, tuple[str, str]] = {
    DueState.ON_TRACK: ("Trong hạn", "On track"),
    DueState.DUE_SOON: ("Sắp đến hạn", "Due soon"),
    DueState.OVERDUE: ("Quá hạn", "Overdue"),
}


def warning_day(due_local: datetime, calendar: WorkCalendar, hours: WorkingHours, working_days_before: int) -> date:
    """The working day from which a dossier counts as due soon: `working_days_before`
    working days before its due day (the due day itself when 0)."""
    day = due_local.date()
    for _ in range(working_days_before):
        for _scan in range(3660):
            day -= timedelta(days=1)
            if calendar.is_working_day(day, hours):
                break
    return day


def due_state(now_local: datetime, due_local: datetime, calendar: WorkCalendar, hours: WorkingHours,
              working_days_before: int = 1) -> DueState:
    """Overdue after the due time; due soon from the warning day on; otherwise on track."""
    if now_local > due_local:
        return DueState.OVERDUE
    if now_local.date() >= warning_day(due_local, calendar, hours, working_days_before):
        return DueState.DUE_SOON
    return DueState.ON_TRACK


# ------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class ReceivedDocument:
    """One line of "thành phần hồ sơ" as ticked at the counter."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0
    received: bool = True
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "originals": self.originals, "certified_copies": self.certified_copies,
                "photocopies": self.photocopies, "received": self.received, "note": self.note}


def check_documents(raw: Iterable[Mapping[str, Any]], *, prefix: str = "documents") -> tuple[
        list[ReceivedDocument], list[FieldError]]:
    docs: list[ReceivedDocument] = []
    errors: list[FieldError] = []
    for i, item in enumerate(raw):
        path = f"{prefix}[{i}]"
        name = clean_text(item.get("name"))
        if not name:
            errors.append(FieldError(f"{path}.name", "Thiếu tên giấy tờ.", "Missing document name."))
            continue
        counts = {}
        for key in ("originals", "certified_copies", "photocopies"):
            value = item.get(key, 0) or 0
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 99:
                errors.append(FieldError(f"{path}.{key}", "Số lượng phải từ 0 đến 99.", "Counts are 0 to 99."))
                value = 0
            counts[key] = value
        received = bool(item.get("received", True))
        docs.append(ReceivedDocument(name=name[:300], received=received, note=clean_text(item.get("note"))[:200],
                                     **counts))
    if not any(d.received for d in docs) and not errors:
        errors.append(FieldError(prefix, "Chưa đánh dấu giấy tờ nào đã nhận.", "No document is ticked as received."))
    return docs, errors


__all__ = [
    "FieldError", "Applicant", "check_applicant", "normalize_phone", "normalize_id", "clean_text",
    "dossier_code", "new_lookup_code", "normalize_lookup_code", "normalize_dossier_code", "mask_name",
    "mask_phone", "DossierState", "DossierAction", "STATE_NAMES", "OPEN_STATES", "next_dossier_state",
    "Timing", "TIMING_NAMES", "timing", "DueState", "DUE_STATE_NAMES", "due_state", "warning_day",
    "ReceivedDocument", "check_documents", "LOOKUP_ALPHABET", "ID_TYPES",
]
