"""Shared helpers of the dossier tests: a valid reception payload and local-time clock moves."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.clock import ManualClock
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers import reception as dossiers

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

APPLICANT = {
    "name": "Nguyễn Thị Hồng Nhung",
    "address": "Số 18 ngõ 72 phố Nguyễn Trãi, phường Thượng Đình",
    "id_type": "cccd",
    "id_number": "001198012345",
    "phone": "0912 345 678",
    "email": "hong.nhung@vi-du.vn",
}


def payload(procedure: str = "1.004222", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": procedure,
        "applicant": dict(APPLICANT),
        "documents": [
            {"name": "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "originals": 1},
            {"name": "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", "certified_copies": 1, "photocopies": 2},
        ],
        "sets": 1,
        "result_delivery": "counter",
    }
    body.update(overrides)
    return body


def at_local(clock: ManualClock, text: str) -> datetime:
    """Move the clock to a Hà Nội wall-clock time "YYYY-MM-DD HH:MM"."""
    when = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=HANOI)
    clock.set(when.astimezone(ZoneInfo("UTC")))
    return when


def receive_at(ctx: Context, clock: ManualClock, clerk: Actor, text: str, procedure: str = "1.004222",
               **overrides: Any) -> dict[str, Any]:
    at_local(clock, text)
    return dossiers.receive_dossier(ctx, clerk, payload(procedure, **overrides))


def due_local(d: dict[str, Any]) -> str:
    return datetime.fromisoformat(d["appointment_at"]).astimezone(HANOI).strftime("%Y-%m-%d %H:%M %a")


def pdf_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_png(data: bytes, scale: float = 2.0) -> list[Any]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    return [doc[i].render(scale=scale).to_pil() for i in range(len(doc))]
