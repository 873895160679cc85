"""Plain views of rows that use cases return (what the API and pages show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_server.store.tables import Counter, Service, Ticket


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


@dataclass
class TicketView:
    id: int
    code: str
    number: int
    service_id: int
    service_code: str
    service_name_vi: str
    service_name_en: str
    priority: str
    state: str
    business_day: str
    issued_at: str
    called_at: str | None  # the latest call
    first_called_at: str | None
    serving_at: str | None
    finished_at: str | None
    counter_id: int | None
    counter_number: int | None
    call_count: int
    out_of_order: bool
    transfer_origin_id: int | None
    procedure_code: str | None  # the procedure chosen at the kiosk, if any (staff only)
    channel: str = "kiosk"  # kiosk | counter | remote | appointment: how the number was taken

    @classmethod
    def of(cls, ticket: Ticket, service: Service, counter: Counter | None) -> TicketView:
        return cls(
            id=ticket.id,
            code=ticket.code,
            number=ticket.number,
            service_id=service.id,
            service_code=service.code,
            service_name_vi=service.name_vi,
            service_name_en=service.name_en,
            priority=ticket.priority,
            state=ticket.state,
            business_day=ticket.business_day.isoformat(),
            issued_at=iso(ticket.issued_at),
            called_at=iso(ticket.last_called_at),
            first_called_at=iso(ticket.called_at),
            serving_at=iso(ticket.serving_at),
            finished_at=iso(ticket.finished_at),
            counter_id=counter.id if counter else None,
            counter_number=counter.number if counter else None,
            call_count=ticket.call_count,
            out_of_order=ticket.out_of_order,
            transfer_origin_id=ticket.transfer_origin_id,
            procedure_code=ticket.procedure_code,
            channel=getattr(ticket, "channel", "kiosk") or "kiosk",
        )

    def as_json(self) -> dict[str, Any]:
        # every field is a plain value: a shallow copy is what `asdict`'s deep walk gives, at a
        # tenth of its cost on every hot answer
        return dict(self.__dict__)
