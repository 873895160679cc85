"""Which procedure a ticket is for: a code the site's loaded catalogue holds, or nothing.

A kiosk sends the procedure a citizen chose with the ticket (the clerk's console and the
reports show it). It is free text from a device in the hall, so it is checked against the
catalogue before the ticket is issued: the site's imported catalogue (table `procedures`),
or, while the site has none, the catalogue file the dossier desk uses too. A code that is
not there, or that queues at another service, is refused (422 naming `procedure_code`).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.services.context import Context
from queue_server.services.dossiers.setup import dossier_settings, find_procedure
from queue_server.services.errors import InvalidInput
from queue_server.store.tables import Procedure, Service

# What a catalogue code can look like (1.004222, 1.004222.H01, 2.000889.000.00.00.H12...):
# anything else is refused without being echoed back.
_CODE_SHAPE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$")


def _refuse(vi: str, en: str) -> InvalidInput:
    return InvalidInput(vi, en, field="procedure_code")


def check_procedure_code(ctx: Context, service_id: int, code: str | None) -> str | None:
    """The procedure code to store with a new ticket of `service_id` (None: no procedure)."""
    if code is None or code == "":
        return None
    if not _CODE_SHAPE.match(code):
        raise _refuse("Mã thủ tục (procedure_code) không hợp lệ: chỉ gồm chữ, số và dấu chấm, như 1.004222.",
                      "procedure_code is not a procedure code: letters, digits and dots only, like 1.004222.")
    with ctx.db.reading() as session:
        service = session.get(Service, service_id)
        if service is None:
            return code  # the issue itself answers "no such service"
        if find_procedure(session, dossier_settings(ctx, holidays=False), service.site_id, code) is None:
            raise _refuse(f"Không có thủ tục {code} trong danh mục của điểm phục vụ (procedure_code).",
                          f"Procedure {code} is not in this site's catalogue (procedure_code).")
        queue_of = _service_of(session, service.site_id, code)
        if queue_of is not None and queue_of != service_id:
            raise _refuse(f"Thủ tục {code} không lấy số ở dịch vụ {service.code} (procedure_code).",
                          f"Procedure {code} does not queue at service {service.code} (procedure_code).")
    return code


def _service_of(session: Session, site_id: int, code: str) -> int | None:
    """The service an imported procedure queues at (None: not linked, or not imported)."""
    return session.scalar(select(Procedure.service_id).where(Procedure.site_id == site_id, Procedure.code == code))


__all__ = ["check_procedure_code"]
