"""Paper for a dossier: the forms as PDF (see dossier_pdf) and the receipt as a thermal slip
(through hardware.printer's slip builder), read from the database in one go."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from hardware.printer import PrinterError, Slip, SlipBuilder, print_slip, render_slip, resolve_profile
from hardware.printer.errors import UnknownProfile
from queue_server.domain import dossiers as rules
from queue_server.domain.catalog import ProcessingTime
from queue_server.domain.working_days import TimeUnit
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers import pdf as dossier_pdf
from queue_server.services.dossiers.format import DELIVERY_NAMES, local, vi_datetime, vi_time_date, vnd
from queue_server.services.dossiers.reception import _load, _site, dossier_json, require_staff
from queue_server.services.dossiers.setup import (
    SiteLike,
    SiteRef,
    agency_header,
    dossier_settings,
    place_name,
)
from queue_server.services.errors import Conflict, InvalidInput, NotFound


def lookup_url(ctx: Context, code: str, key: str, site: SiteLike | None = None) -> str:
    """The receipt's QR link: the dossier's lookup page at the site's public address."""
    from queue_server.services.site_setup import public_url

    return f"{public_url(ctx, site)}/dossiers/lookup?" + urlencode({"code": code, "key": key})


def _read(ctx: Context, actor: Actor, ref: int | str) -> tuple[dict[str, Any], dossier_pdf.FormHeader]:
    require_staff(actor)
    settings = dossier_settings(ctx)
    with ctx.db.reading() as session:
        d = _load(session, actor, ref)
        site = _site(session, d.site_id)
        view = dossier_json(session, d, settings, now=ctx.clock.now())
        header = dossier_pdf.FormHeader(agency=agency_header(settings, site), place=place_name(settings, site),
                                        tz=site.timezone, lookup_url=lookup_url(ctx, d.code, d.lookup_code, site),
                                        site_name=site.name, site_code=site.code)
        return view, header


def _filename(kind: str, code: str) -> str:
    return f"{kind}-{code}.pdf"


def receipt_pdf(ctx: Context, actor: Actor, ref: int | str) -> tuple[str, bytes]:
    view, header = _read(ctx, actor, ref)
    return _filename("giay-tiep-nhan", view["code"]), dossier_pdf.receipt_pdf(view, header)


def control_slip_pdf(ctx: Context, actor: Actor, ref: int | str) -> tuple[str, bytes]:
    view, header = _read(ctx, actor, ref)
    return _filename("phieu-kiem-soat", view["code"]), dossier_pdf.control_slip_pdf(view, header)


_LETTERS = {
    "apology": ("phieu-xin-loi", dossier_pdf.apology_pdf),
    "supplement_requested": ("phieu-yeu-cau-bo-sung", dossier_pdf.supplement_pdf),
    "refused": ("phieu-tu-choi", dossier_pdf.refusal_pdf),
}


def letter_pdf(ctx: Context, actor: Actor, ref: int | str, kind: str, step_id: int | None = None) -> tuple[str, bytes]:
    """Mẫu 02/03/04 for the dossier's latest (or a given) step of that kind."""
    view, header = _read(ctx, actor, ref)
    name, render = _LETTERS[kind]
    steps = [s for s in view.get("steps", []) if s["kind"] == kind and (step_id is None or s["id"] == step_id)]
    if not steps:
        raise NotFound("Hồ sơ chưa có bước này.", f"The dossier has no {kind} step.")
    return _filename(name, view["code"]), render(view, steps[-1], header)


def receipt_slip(ctx: Context, actor: Actor, ref: int | str) -> Slip:
    """The receipt for a thermal printer: what the applicant needs to come back and to follow it."""
    view, header = _read(ctx, actor, ref)
    return build_receipt_slip(view, header)


def receipt_slip_bytes(ctx: Context, actor: Actor, ref: int | str, *, profile: str | None = None,
                       width_mm: int = 80) -> bytes:
    """ESC/POS bytes of the receipt slip, for a printer the clerk's PC drives itself.

    `profile` is a python-escpos model name; an unknown one is the caller's mistake (422
    naming `profile`, with the close matches), found before the dossier is read."""
    try:
        resolved = resolve_profile(profile, width_mm)
    except UnknownProfile as exc:
        hint_vi = f" Có phải: {', '.join(exc.close_matches)}?" if exc.close_matches else ""
        hint_en = f" Did you mean: {', '.join(exc.close_matches)}?" if exc.close_matches else ""
        raise InvalidInput(f"Không có mẫu máy in “{profile}”.{hint_vi}", f"Unknown printer profile {profile!r}.{hint_en}",
                           field="profile", close_matches=list(exc.close_matches)) from None
    except PrinterError as exc:  # a paper width other than 58 or 80
        raise InvalidInput("Khổ giấy phải là 58 hoặc 80 mm.", str(exc), field="width") from None
    return render_slip(receipt_slip(ctx, actor, ref), profile=resolved, width_mm=width_mm)


def print_receipt(ctx: Context, actor: Actor, ref: int | str, printer_url: str | None = None) -> str:
    """Print the receipt slip on the hall's receipt printer; the printer's state after the job.

    A printer fault (paper out, cover open, offline) is a Conflict carrying the printer's own
    words, so the clerk sees what to fix; the dossier itself is already committed.
    """
    if printer_url and not actor.has_role("supervisor"):
        raise InvalidInput("Chỉ giám sát viên được chọn máy in khác.", "Only supervisors may choose another printer.",
                           field="printer_url")
    if printer_url and printer_url.strip().lower().startswith("file:"):
        # a path on the server is configuration, never a request's choice (it would write any file)
        raise InvalidInput("Không được chọn tệp làm máy in qua yêu cầu; hãy cấu hình trong [dossiers] printer_url.",
                           "A file cannot be chosen as the printer in a request; configure [dossiers] printer_url.",
                           field="printer_url")
    view, header = _read(ctx, actor, ref)
    url = printer_url or dossier_settings(ctx, holidays=False).for_site(SiteRef(header.site_code, header.tz)).printer_url
    if not url:
        raise InvalidInput("Chưa cấu hình máy in giấy hẹn ([dossiers] printer_url).",
                           "No receipt printer configured ([dossiers] printer_url).", field="printer_url")
    slip = build_receipt_slip(view, header)
    try:
        return print_slip(url, slip).state
    except PrinterError as exc:
        raise Conflict(exc.message_vi, exc.message_en) from None


def build_receipt_slip(view: dict[str, Any], header: dossier_pdf.FormHeader) -> Slip:
    tz = header.tz
    received = local(datetime.fromisoformat(view["received_at"]), tz)
    due = local(datetime.fromisoformat(view["due_at"]), tz)
    pt = view["processing_time"]
    b = (SlipBuilder()
         .text(header.agency, "small", "center")
         .text("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "small", "center")
         .separator()
         .text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "title")
         .text(f"Mã hồ sơ: {view['code']}", "bold", "center")
         .text(f"Mã tra cứu: {rules.format_lookup_code(view['lookup_code'])}", "bold", "center")
         .separator()
         .text(f"Người nộp: {view['applicant']['name']}")
         .text(f"Thủ tục: {view['procedure']['name_vi']}")
         .text(f"Số bộ hồ sơ: {view['sets']:02d}")
         .text(f"Thời hạn giải quyết: {ProcessingTime(pt['quantity'], TimeUnit(pt['unit'])).describe('vi')}")
         .text(f"Nhận lúc: {vi_time_date(received)}")
         .text(f"Hẹn trả: {vi_datetime(due)}", "bold")
         .text(f"Nhận kết quả: {DELIVERY_NAMES.get(view['result_delivery'], ('', ''))[0]}")
         .text(f"Phí, lệ phí: {vnd(view['fee_vnd'])}"))
    notice = view.get("calendar_notice")
    if notice:
        b.text(f"Lưu ý: {notice['vi']}", "small")
        b.text(f"Note: {notice['en']}", "small")
    b.text(f"Người tiếp nhận: {view.get('received_by') or ''}", "small")
    b.separator()
    b.qr(header.lookup_url)
    b.text("Quét mã để tra cứu tiến độ hồ sơ", "small", "center")
    b.text("Scan to follow your dossier", "small", "center")
    return b.build()


__all__ = ["receipt_pdf", "control_slip_pdf", "letter_pdf", "receipt_slip", "build_receipt_slip", "lookup_url"]
