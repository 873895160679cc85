"""A hall's own setup made in /admin, over the server's configuration: its working hours per
weekday, its public address (what the slips' QR codes point at) and the notice line of its
hall displays.

These are the seams every caller goes through; none reads the columns or the configuration
on its own:

* `site_hours(settings_or_ctx, site)`: the site's working hours set in /admin
  (`sites.working_hours`), else `[dossiers.sites.<code>.working_hours]`, else
  `[dossiers.working_hours]`, else Monday–Friday 07:30–11:30, 13:30–17:00. Dossier due dates
  use it; appointments and remote numbers are meant to.
* `public_url(ctx, site)`: `sites.public_url`, else the configuration's `public_url`
  (`Settings.effective_public_url`); `position_url` builds a slip's QR link with it.
* `display_notice(site)`: the hall display's notice line ("" when none is set: the page
  shows its own default).

The checks of what an admin types (`parse_working_hours`, `check_public_url`,
`check_notice`) raise InvalidInput naming the field, Vietnamese first.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from queue_server.domain.working_days import WorkingHours, parse_session
from queue_server.services.context import Context
from queue_server.services.dossiers.setup import DossierSettings, SiteLike, parse_dossier_settings
from queue_server.services.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES_VI = {"mon": "thứ Hai", "tue": "thứ Ba", "wed": "thứ Tư", "thu": "thứ Năm", "fri": "thứ Sáu",
                    "sat": "thứ Bảy", "sun": "Chủ nhật", "swapped_day": "ngày làm bù"}
URL_MAX = 300
NOTICE_MAX = 300
_SESSIONS_MAX = 6


# -- working hours ------------------------------------------------------------------------

def site_hours(source: Context | DossierSettings, site: SiteLike | None) -> WorkingHours:
    """The working hours of `site`: its own (set in /admin) where set, else the configuration's."""
    own = getattr(site, "working_hours", None) if site is not None else None
    if own:
        try:
            return WorkingHours.from_config(own)
        except (TypeError, ValueError):
            pass  # checked when saved; a hand-edited row falls back to the configuration
    settings = source if isinstance(source, DossierSettings) else \
        parse_dossier_settings(source.settings.extra.get("dossiers"))  # hours need no holiday read
    return settings.for_site(site).hours


def parse_working_hours(raw: Any) -> dict[str, list[str]]:
    """What an admin sent for the week (`{"mon": ["07:30-11:30", ...], ..., "swapped_day": [...]}`)
    as stored: checked, each session written HH:MM-HH:MM. A wrong value names its field."""
    if not isinstance(raw, dict):
        raise InvalidInput("working_hours: phải là bảng giờ làm việc theo từng ngày trong tuần.",
                           "working_hours: must map each weekday to its sessions.", field="working_hours")
    unknown = sorted(set(raw) - set(WEEKDAYS) - {"swapped_day"})
    if unknown:
        raise InvalidInput(f"working_hours.{unknown[0]}: không phải ngày trong tuần (mon…sun, swapped_day).",
                           f"working_hours.{unknown[0]}: not a weekday (mon…sun, swapped_day).",
                           field=f"working_hours.{unknown[0]}")
    clean: dict[str, list[str]] = {}
    for key in (*WEEKDAYS, "swapped_day"):
        field = f"working_hours.{key}"
        sessions = raw.get(key) or []
        if not isinstance(sessions, list) or not all(isinstance(s, str) for s in sessions) \
                or len(sessions) > _SESSIONS_MAX:
            raise InvalidInput(f"{field}: phải là danh sách buổi làm việc (tối đa {_SESSIONS_MAX}).",
                               f"{field}: must be a list of sessions (at most {_SESSIONS_MAX}).", field=field)
        try:
            parsed = [parse_session(s) for s in sessions]
            for a, b in zip(parsed, parsed[1:], strict=False):
                if not a.end <= b.start:
                    raise ValueError(f"sessions must be in order and not overlap: {a} then {b}")
        except ValueError as exc:
            raise InvalidInput(
                f"{field}: giờ làm việc {WEEKDAY_NAMES_VI[key]} không hợp lệ ({', '.join(sessions)}): mỗi buổi viết "
                "HH:MM-HH:MM, kết thúc sau khi bắt đầu, các buổi theo thứ tự và không chồng nhau.",
                f"{field}: {exc}", field=field) from None
        clean[key] = [str(s) for s in parsed]
    if not any(clean[d] for d in WEEKDAYS):
        raise InvalidInput("working_hours: cần ít nhất một ngày làm việc trong tuần.",
                           "working_hours: at least one weekday needs working hours.", field="working_hours")
    if not clean["swapped_day"]:
        del clean["swapped_day"]  # a swapped Saturday works like the first working weekday
    WorkingHours.from_config(clean)  # the whole week holds together
    return clean


# -- public address -----------------------------------------------------------------------

def public_url(ctx: Context, site: SiteLike | None) -> str:
    """Where citizens' phones reach this hall (no trailing slash): the site's address set in
    /admin, else the server's `public_url` configuration."""
    return _address(ctx, (getattr(site, "public_url", "") or "") if site is not None else "")


def _address(ctx: Context, own: str) -> str:
    return own.rstrip("/") or ctx.settings.effective_public_url


def position_url(ctx: Context, site: SiteLike | None, ticket_id: int, key: str) -> str:
    """The link in a slip's QR code: the ticket's live position on the citizen's phone."""
    return f"{public_url(ctx, site)}/t/{ticket_id}?k={key}"


def ticket_position_url(ctx: Context, ticket_id: int, key: str) -> str:
    """`position_url` of a ticket just issued, at its site's public address (one small read)."""
    from sqlalchemy import select

    from queue_server.store.tables import Site, Ticket

    with ctx.db.reading() as session:
        own = session.scalar(select(Site.public_url).join(Ticket, Ticket.site_id == Site.id)
                             .where(Ticket.id == ticket_id)) or ""
    return position_url_at(ctx, own, ticket_id, key)


def position_url_at(ctx: Context, own: str, ticket_id: int, key: str) -> str:
    """`position_url` when the site's own public address (`own`, "" for none) is known."""
    return f"{_address(ctx, own)}/t/{ticket_id}?k={key}"


_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def check_public_url(text: str) -> str:
    """An address such as http://10.0.0.2:8000 or https://motcua.phuong1.gov.vn (a path
    prefix behind a proxy is allowed: https://dichvu.gov.vn/motcua); "" clears it."""
    text = text.strip()
    if not text:
        return ""

    def bad(why_vi: str, why_en: str) -> InvalidInput:
        return InvalidInput(f"public_url: địa chỉ công khai “{text[:80]}” không dùng được: {why_vi}. "
                            "Ví dụ: http://10.0.0.2:8000 hoặc https://motcua.phuong1.gov.vn",
                            f"public_url: the public address {text[:80]!r} cannot be used: {why_en}. "
                            "E.g. http://10.0.0.2:8000 or https://motcua.phuong1.gov.vn", field="public_url")

    if len(text) > URL_MAX:
        raise bad(f"dài quá {URL_MAX} ký tự", f"longer than {URL_MAX} characters")
    if not text.isascii() or any(c.isspace() or ord(c) < 32 for c in text):
        raise bad("chỉ gồm ký tự ASCII, không có khoảng trắng", "ASCII only, no spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise bad("cổng không hợp lệ", "the port is not valid") from None
    if parts.scheme not in ("http", "https"):
        raise bad("phải bắt đầu bằng http:// hoặc https://", "it must start with http:// or https://")
    host = parts.hostname or ""
    if not host or not (_HOST.match(host) or _is_ip(host)) or parts.username or parts.password or "@" in parts.netloc:
        raise bad("thiếu tên máy hoặc địa chỉ IP hợp lệ", "it needs a valid host name or IP address")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise bad("không được có phần ?… hay #…", "no ?query or #fragment")
    path = parts.path.rstrip("/")
    if path and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", path):
        raise bad("đường dẫn chỉ gồm chữ, số và . _ ~ -", "a path may hold letters, digits and . _ ~ - only")
    if port is not None and port == 0:
        raise bad("cổng không hợp lệ", "the port is not valid")
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# -- the hall displays' notice -----------------------------------------------------------

_NOT_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def check_notice(text: str) -> str:
    clean = unicodedata.normalize("NFC", " ".join(text.split()))
    if _NOT_IN_TEXT.search(clean):
        raise InvalidInput("display_notice: dòng thông báo không được chứa ký tự điều khiển.",
                           "display_notice: the notice may not hold control characters.", field="display_notice")
    if len(clean) > NOTICE_MAX:
        raise InvalidInput(f"display_notice: dòng thông báo tối đa {NOTICE_MAX} ký tự (đang có {len(clean)}).",
                           f"display_notice: at most {NOTICE_MAX} characters (got {len(clean)}).",
                           field="display_notice")
    return clean


def display_notice(site: SiteLike | None) -> str:
    return (getattr(site, "display_notice", "") or "") if site is not None else ""


__all__ = ["site_hours", "parse_working_hours", "public_url", "position_url", "check_public_url", "check_notice",
           "display_notice", "ticket_position_url", "position_url_at", "WEEKDAYS"]
