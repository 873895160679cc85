"""The dossier forms as A4 PDFs (reportlab, DejaVu Serif Condensed embedded, so Vietnamese
prints and copies out correctly):

* Mẫu 01 receipt and appointment (two copies: kept by the desk, given to the applicant),
  with a QR code and a barcode for progress lookup;
* Mẫu 02 request to supplement, Mẫu 03 refusal, Mẫu 04 apology with a new date;
* Mẫu 05 control slip (one row per hand-off); Mẫu 06 logbook for a date range (landscape).

Input is the staff view of a dossier (services.dossiers.dossier_json) plus a `FormHeader`
(agency, place, the site's time zone and the public address for the QR).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from queue_server.domain import dossiers as rules
from queue_server.services.dossiers.format import (
    DELIVERY_NAMES,
    count2,
    local,
    vi_datetime,
    vi_place_date,
    vi_time_date,
    vnd,
)

FONTS = Path(__file__).resolve().parents[3] / "assets" / "fonts"
_REGISTERED = False

UNIT = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def register_fonts() -> None:
    global _REGISTERED
    if _REGISTERED:
        return
    from reportlab.lib.fonts import addMapping

    pdfmetrics.registerFont(TTFont("MSerif", str(FONTS / "DejaVuSerifCondensed.ttf")))
    pdfmetrics.registerFont(TTFont("MSerif-Bold", str(FONTS / "DejaVuSerifCondensed-Bold.ttf")))
    pdfmetrics.registerFont(TTFont("MSerif-Italic", str(FONTS / "DejaVuSerifCondensed-Italic.ttf")))
    addMapping("MSerif", 0, 0, "MSerif")
    addMapping("MSerif", 1, 0, "MSerif-Bold")
    addMapping("MSerif", 0, 1, "MSerif-Italic")
    addMapping("MSerif", 1, 1, "MSerif-Bold")
    _REGISTERED = True


def _style(name: str, size: float = 11, *, bold: bool = False, italic: bool = False, align: int = TA_LEFT,
           leading: float | None = None, before: float = 0, after: float = 2) -> ParagraphStyle:
    font = "MSerif-Bold" if bold else "MSerif-Italic" if italic else "MSerif"
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.3, alignment=align,
                          spaceBefore=before, spaceAfter=after)


@dataclass(frozen=True)
class FormHeader:
    agency: str  # e.g. "ỦY BAN NHÂN DÂN PHƯỜNG AN BÌNH"
    place: str  # e.g. "An Bình"
    tz: str
    lookup_url: str = ""  # full URL the QR opens (code + lookup code)
    site_name: str = ""
    site_code: str = ""


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(text, style)


def _e(text: Any) -> str:
    return escape(str(text if text is not None else ""))


def _header(h: FormHeader, at: datetime, width: float) -> list[Flowable]:
    left = [_p(_e(h.agency), _style("hl", 10, align=TA_CENTER, after=0)),
            _p(f"<b>{UNIT}</b>", _style("hl2", 9.5, align=TA_CENTER, after=0)),
            _Rule(30 * mm)]
    right = [_p(f"<b>{NATION}</b>", _style("hr", 10.5, align=TA_CENTER, after=0)),
             _p(f"<b>{MOTTO}</b>", _style("hr2", 11, align=TA_CENTER, after=0)),
             _Rule(45 * mm)]
    table = Table([[left, right]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    date = _p(f"<i>{_e(vi_place_date(h.place, at))}</i>", _style("date", 11, align=2, before=4))
    return [table, date]


class _Rule(Flowable):
    """A short centred line under a header (as on official forms)."""

    def __init__(self, length: float) -> None:
        super().__init__()
        self.length = length

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return avail_width, 5

    def draw(self) -> None:
        x = (self.avail - self.length) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(x, 0.5, x + self.length, 0.5)


def _qr(data: str, size: float) -> Drawing:
    widget = QrCodeWidget(data, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _doc(buffer: io.BytesIO, title: str, *, pagesize: tuple[float, float] = A4, margins: float = 18 * mm,
         subject: str = "") -> SimpleDocTemplate:
    register_fonts()
    return SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=margins + 5 * mm, rightMargin=margins,
                             topMargin=15 * mm, bottomMargin=15 * mm, title=title, author="Motcua",
                             creator="Motcua", subject=subject)


def _signatures(left: tuple[str, str, str] | None, right: tuple[str, str, str], width: float) -> Table:
    def cell(sig: tuple[str, str, str] | None) -> list[Flowable]:
        if sig is None:
            return []
        title, hint, name = sig
        return [_p(f"<b>{_e(title)}</b>", _style("s1", 10.5, align=TA_CENTER, after=0)),
                _p(f"<i>{_e(hint)}</i>", _style("s2", 9.5, align=TA_CENTER, after=0)),
                Spacer(1, 18 * mm), _p(f"<b>{_e(name)}</b>", _style("s3", 10.5, align=TA_CENTER))]

    table = Table([[cell(left), cell(right)]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 3 * mm), table])


def _documents_table(docs: Sequence[dict[str, Any]], width: float) -> Table:
    head = _style("th", 9.5, bold=True, align=TA_CENTER, after=0)
    cell = _style("td", 10, after=0)
    num = _style("tn", 10, align=TA_CENTER, after=0)
    rows: list[list[Any]] = [[_p("TT", head), _p("Tên giấy tờ", head), _p("Bản chính", head),
                              _p("Bản sao có chứng thực", head), _p("Bản chụp", head)]]
    received = [d for d in docs if d.get("received", True)]
    for i, d in enumerate(received, start=1):
        rows.append([_p(str(i), num), _p(_e(d["name"]), cell), _p(str(d.get("originals", 0) or "-"), num),
                     _p(str(d.get("certified_copies", 0) or "-"), num), _p(str(d.get("photocopies", 0) or "-"), num)])
    table = Table(rows, colWidths=[10 * mm, width - 10 * mm - 3 * 22 * mm, 22 * mm, 22 * mm, 22 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))]))
    return table


ID_LABELS = {"cccd": "Số CCCD", "passport": "Số hộ chiếu", "other": "Số giấy tờ tùy thân"}


def receipt_pdf(d: dict[str, Any], h: FormHeader) -> bytes:
    """Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả, two copies (one page each when it fits)."""
    buffer = io.BytesIO()
    doc = _doc(buffer, f"Giấy tiếp nhận hồ sơ {d['code']}", subject="Mẫu 01")
    width = doc.width
    body = _style("body", 11, after=2.5)
    received = local(datetime.fromisoformat(d["received_at"]), h.tz)
    due = local(datetime.fromisoformat(d["due_at"]), h.tz)  # the appointment made at reception
    a = d["applicant"]
    pt = d["processing_time"]
    from queue_server.domain.catalog import ProcessingTime
    from queue_server.domain.working_days import TimeUnit

    legal = ProcessingTime(pt["quantity"], TimeUnit(pt["unit"])).describe("vi")
    delivery = DELIVERY_NAMES.get(d["result_delivery"], (d["result_delivery"], ""))[0]
    if d["result_delivery"] == "post" and d.get("delivery_address"):
        delivery += f" (địa chỉ: {d['delivery_address']})"
    story: list[Flowable] = []
    copies = (("Liên 1", "Lưu tại Bộ phận tiếp nhận và trả kết quả"), ("Liên 2", "Giao cho người nộp hồ sơ"))
    for n, (label, purpose) in enumerate(copies):
        if n:
            story.append(PageBreak())
        story += _header(h, received, width)
        story.append(_p("<b>GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ</b>", _style("t", 13.5, align=TA_CENTER, before=6)))
        story.append(_p(f"<b>Mã hồ sơ: {_e(d['code'])}</b>", _style("c", 12, align=TA_CENTER, after=0)))
        story.append(_p(f"<i>({label}: {purpose})</i>", _style("l", 10, align=TA_CENTER, after=6)))
        lines = [
            f"{UNIT.capitalize()}: {_e(h.site_name or h.agency.title())}",
            f"Tiếp nhận hồ sơ của: <b>{_e(a['name'])}</b>",
        ]
        if a.get("id_number"):
            lines.append(f"{ID_LABELS.get(a.get('id_type', 'cccd'), 'Số giấy tờ')}: {_e(a['id_number'])}")
        lines += [
            f"Địa chỉ: {_e(a['address'])}",
            f"Số điện thoại: {_e(a.get('phone') or '…')}&nbsp;&nbsp;&nbsp;&nbsp;Email: {_e(a.get('email') or '…')}",
            f"Nội dung yêu cầu giải quyết: <b>{_e(d['procedure']['name_vi'])}</b> "
            f"(mã thủ tục {_e(d['procedure']['code'])})",
            "1. Thành phần hồ sơ nộp gồm:",
        ]
        story += [_p(line, body) for line in lines]
        story.append(_documents_table(d["documents"], width))
        story.append(Spacer(1, 2 * mm))
        story += [_p(line, body) for line in (
            f"2. Số lượng hồ sơ: {count2(d['sets'])} (bộ)",
            f"3. Thời gian giải quyết hồ sơ theo quy định là: {_e(legal)}",
            f"4. Thời gian nhận hồ sơ: {vi_time_date(received)}",
            f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{_e(vi_datetime(due))}</b>",
            f"6. Đăng ký nhận kết quả tại: {_e(delivery)}",
            f"Phí, lệ phí: {_e(vnd(d['fee_vnd']))}",
        )]
        if d.get("calendar_notice"):
            story.append(_p(f"<b>Lưu ý: {_e(d['calendar_notice']['vi'])}</b><br/><i>Note: "
                            f"{_e(d['calendar_notice']['en'])}</i>", _style("w", 10.5)))
        story.append(_p(f"Vào Sổ theo dõi hồ sơ, Quyển số: {_e(d['logbook']['book'])}, "
                        f"Số thứ tự: {d['logbook']['line']}", body))
        story.append(CondPageBreak(70 * mm))
        story.append(_lookup_box(d, h, width))
        story.append(_signatures(("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", a["name"]),
                                 ("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", d.get("received_by") or ""),
                                 width))
    doc.build(story)
    return buffer.getvalue()


def _lookup_box(d: dict[str, Any], h: FormHeader, width: float) -> Table:
    small = _style("lk", 9.5, after=1)
    barcode = Code128(d["code"], barHeight=9 * mm, barWidth=0.9, humanReadable=False)
    text = [_p("<b>Tra cứu tiến độ giải quyết hồ sơ</b> (quét mã QR hoặc nhập tại ki-ốt, trang tra cứu):", small),
            _p(f"Mã hồ sơ: <b>{_e(d['code'])}</b>", small),
            _p(f"Mã tra cứu: <b>{_e(rules.format_lookup_code(d['lookup_code']))}</b>", small),
            _p(_e(h.lookup_url), _style("url", 8, after=2)), barcode]
    qr = _qr(h.lookup_url or d["code"], 30 * mm)
    table = Table([[qr, text]], colWidths=[34 * mm, width - 34 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOX", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


def _letter(title: str, d: dict[str, Any], h: FormHeader, at: datetime, paragraphs: Sequence[str],
            signature: tuple[str, str, str], subject: str) -> bytes:
    buffer = io.BytesIO()
    doc = _doc(buffer, f"{title.capitalize()} {d['code']}", subject=subject)
    story: list[Flowable] = [*_header(h, at, doc.width)]
    story.append(_p(f"<b>{_e(title)}</b>", _style("t", 13.5, align=TA_CENTER, before=8, after=8)))
    story.append(_p(f"Kính gửi: <b>{_e(d['applicant']['name'])}</b>", _style("to", 11.5, align=TA_CENTER, after=8)))
    body = _style("lb", 11.5, after=5, leading=16)
    story += [_p(p, body) for p in paragraphs]
    story.append(_signatures(None, signature, doc.width))
    doc.build(story)
    return buffer.getvalue()


def _proc_line(d: dict[str, Any]) -> str:
    return f"<b>{_e(d['procedure']['name_vi'])}</b> (mã thủ tục {_e(d['procedure']['code'])})"


def apology_pdf(d: dict[str, Any], step: dict[str, Any], h: FormHeader) -> bytes:
    """Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả."""
    at = local(datetime.fromisoformat(step["at"]), h.tz)
    received = local(datetime.fromisoformat(d["received_at"]), h.tz)
    old = local(datetime.fromisoformat(step["data"]["old_appointment_at"]), h.tz)
    new = local(datetime.fromisoformat(step["data"]["new_appointment_at"]), h.tz)
    unit = f"Bộ phận tiếp nhận và trả kết quả {h.site_name}".strip()
    paragraphs = [
        f"Ngày {received:%d/%m/%Y}, {_e(unit)} tiếp nhận hồ sơ của Ông/Bà đề nghị giải quyết thủ tục {_proc_line(d)}.",
        f"Mã hồ sơ: <b>{_e(d['code'])}</b>.",
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {_e(vi_datetime(old))}.",
        "Tuy nhiên, đến nay, cơ quan giải quyết chưa trả kết quả giải quyết hồ sơ cho Ông/Bà đúng hạn.",
        f"Lý do: {_e(step['reason'])}",
        "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi thành thật xin lỗi Ông/Bà và sẽ trả kết quả giải "
        f"quyết hồ sơ cho Ông/Bà vào: <b>{_e(vi_datetime(new))}</b>.",
        "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.",
    ]
    return _letter("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", d, h, at, paragraphs,
                   ("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, ghi rõ họ tên và đóng dấu)", step.get("actor_name", "")),
                   "Mẫu 04")


def supplement_pdf(d: dict[str, Any], step: dict[str, Any], h: FormHeader) -> bytes:
    """Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."""
    at = local(datetime.fromisoformat(step["at"]), h.tz)
    missing = step["data"].get("missing", [])
    paragraphs = [
        f"Ngày {local(datetime.fromisoformat(d['received_at']), h.tz):%d/%m/%Y}, Bộ phận tiếp nhận và trả kết quả "
        f"tiếp nhận hồ sơ của Ông/Bà đề nghị giải quyết thủ tục {_proc_line(d)}. Mã hồ sơ: <b>{_e(d['code'])}</b>.",
        "Sau khi xem xét thành phần hồ sơ, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
        *[f"{i}. {_e(m)}" for i, m in enumerate(missing, start=1)],
        f"Lý do: {_e(step['reason'])}",
        "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với "
        f"{_e(step['data'].get('contact') or step.get('actor_name', ''))} để được hướng dẫn.",
        "Thời hạn giải quyết được tính lại từ ngày Bộ phận tiếp nhận và trả kết quả nhận đủ hồ sơ bổ sung.",
    ]
    return _letter("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", d, h, at, paragraphs,
                   ("NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", step.get("actor_name", "")), "Mẫu 02")


def refusal_pdf(d: dict[str, Any], step: dict[str, Any], h: FormHeader) -> bytes:
    """Mẫu 03: Phiếu từ chối tiếp nhận, giải quyết hồ sơ."""
    at = local(datetime.fromisoformat(step["at"]), h.tz)
    paragraphs = [
        f"Ngày {local(datetime.fromisoformat(d['received_at']), h.tz):%d/%m/%Y}, Bộ phận tiếp nhận và trả kết quả "
        f"tiếp nhận hồ sơ của Ông/Bà đề nghị giải quyết thủ tục {_proc_line(d)}. Mã hồ sơ: <b>{_e(d['code'])}</b>.",
        "Qua xem xét, cơ quan giải quyết thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        _e(step["reason"]),
        "Xin thông báo để Ông/Bà được biết và thực hiện./.",
    ]
    return _letter("PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", d, h, at, paragraphs,
                   ("NGƯỜI TỪ CHỐI", "(Ký và ghi rõ họ tên)", step.get("actor_name", "")), "Mẫu 03")


def control_slip_pdf(d: dict[str, Any], h: FormHeader) -> bytes:
    """Mẫu 05: Phiếu kiểm soát quá trình giải quyết hồ sơ."""
    buffer = io.BytesIO()
    doc = _doc(buffer, f"Phiếu kiểm soát {d['code']}", subject="Mẫu 05")
    at = local(datetime.fromisoformat(d["received_at"]), h.tz)
    story: list[Flowable] = [*_header(h, at, doc.width)]
    story.append(_p("<b>PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ</b>", _style("t", 13.5, align=TA_CENTER, before=8)))
    story.append(_p(f"<b>Mã hồ sơ: {_e(d['code'])}</b>", _style("c", 12, align=TA_CENTER)))
    body = _style("b", 11)
    story += [_p(x, body) for x in (
        f"(Kèm theo hồ sơ của: <b>{_e(d['applicant']['name'])}</b>)",
        f"Thủ tục: {_proc_line(d)}",
        f"Cơ quan (bộ phận) giải quyết hồ sơ: {_e(d['lead_agency'])}",
        f"Ngày hẹn trả kết quả: {_e(vi_datetime(local(datetime.fromisoformat(d['due_at']), h.tz)))}",
    )]
    head = _style("th", 9.5, bold=True, align=TA_CENTER, after=0)
    cell = _style("td", 9.5, after=0)
    rows: list[list[Any]] = [[_p("TÊN CƠ QUAN", head), _p("THỜI GIAN GIAO, NHẬN HỒ SƠ", head),
                              _p("KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", head), _p("GHI CHÚ", head)]]
    if d.get("handoffs"):
        rows += _handoff_rows(d["handoffs"], cell)
    n = 0
    for s in d.get("steps", []) if not d.get("handoffs") else ():  # older dossiers: the desk's typed rows
        if s["kind"] not in ("received", "handed_off", "result_ready", "returned"):
            continue
        n += 1
        when = local(datetime.fromisoformat(s["at"]), h.tz)
        agencies = f"{n}. Giao: {_e(s['from_agency'] or '—')}<br/>Nhận: {_e(s['to_agency'] or '—')}"
        people = (f"{vi_time_date(when)}<br/>Người giao: {_e(s['handed_by'] or '—')}<br/>"
                  f"Người nhận: {_e(s['received_by'] or '—')}")
        rows.append([_p(agencies, cell), _p(people, cell), _p(_e(s.get("timing_vi") or ""), cell),
                     _p(_e(s.get("reason") or s["name_vi"]), cell)])
    w = doc.width
    table = Table(rows, colWidths=[w * 0.28, w * 0.3, w * 0.22, w * 0.2], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()


def _handoff_rows(handoffs: Sequence[dict[str, Any]], cell: ParagraphStyle) -> list[list[Any]]:
    """Mẫu 05 rows from the hand-offs (dossier_handoffs): who handed and when, who signed for
    it and when, the mark against the step's deadline (the dossier's due date for the desk)."""
    out = []
    for n, r in enumerate(handoffs, 1):
        agencies = f"{n}. Giao: {_e(r['from_name'] or '—')}<br/>Nhận: {_e(r['to_name'] or '—')}"
        people = (f"Giao: {_e(r['handed_at_vi'])}<br/>Người giao: {_e(r['handed_by'] or '—')}<br/>"
                  f"Nhận: {_e(r['received_at_vi'] or 'chưa ký nhận')}<br/>Người nhận: {_e(r['received_by'] or '—')}")
        mark = r.get("timing_vi") or ("Đang xử lý" if r["state"] in ("pending", "held") else "")
        notes = []
        if r.get("step_due_at_vi"):
            notes.append(f"Hạn: {r['step_due_at_vi']}")
        if r.get("off_route"):
            notes.append(f"Ngoài quy trình: {r.get('reason') or ''}")
        elif r.get("reason"):
            notes.append(r["reason"])
        if r.get("state") == "refused":
            notes.append(f"Từ chối: {r.get('result') or ''}")
        elif r.get("result"):
            notes.append(f"Kết quả: {r['result']}")
        out.append([_p(agencies, cell), _p(people, cell), _p(_e(mark), cell),
                    _p("<br/>".join(_e(x) for x in notes), cell)])
    return out


LOGBOOK_COLUMNS = ("STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số bộ", "Tên cá nhân, tổ chức",
                   "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày nhận hồ sơ",
                   "Ngày hẹn trả kết quả", "Ngày chuyển hồ sơ", "Ngày có kết quả", "Ngày trả kết quả",
                   "Phương thức nhận kết quả", "Ký nhận", "Ghi chú")


def logbook_pdf(rows: Sequence[Sequence[str]], h: FormHeader, title_range: str) -> bytes:
    """Mẫu 06: Sổ theo dõi hồ sơ, landscape, header repeated on every page."""
    buffer = io.BytesIO()
    doc = _doc(buffer, f"Sổ theo dõi hồ sơ {title_range}", pagesize=landscape(A4), margins=8 * mm, subject="Mẫu 06")
    story: list[Flowable] = [
        _p(_e(h.agency), _style("a", 10, align=TA_CENTER, after=0)),
        _p(f"<b>{UNIT}</b>", _style("u", 10, align=TA_CENTER, after=4)),
        _p("<b>SỔ THEO DÕI HỒ SƠ</b>", _style("t", 14, align=TA_CENTER, after=0)),
        _p(f"<i>{_e(title_range)}</i>", _style("r", 10, align=TA_CENTER, after=6)),
    ]
    head = _style("th", 7.2, bold=True, align=TA_CENTER, after=0, leading=8.6)
    cell = _style("td", 7.2, after=0, leading=8.6)
    data: list[list[Any]] = [[_p(_e(c), head) for c in LOGBOOK_COLUMNS]]
    for row in rows:
        data.append([_p(_e(v), cell) for v in row])
    if len(data) == 1:
        data.append([_p("", cell)] * len(LOGBOOK_COLUMNS))
    fractions = (0.03, 0.125, 0.11, 0.03, 0.08, 0.1, 0.075, 0.055, 0.055, 0.055, 0.055, 0.055, 0.055, 0.045, 0.07)
    table = Table(data, colWidths=[doc.width * f for f in fractions], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()


__all__ = ["FormHeader", "receipt_pdf", "apology_pdf", "supplement_pdf", "refusal_pdf", "control_slip_pdf",
           "logbook_pdf", "LOGBOOK_COLUMNS"]
