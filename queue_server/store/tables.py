"""SQLAlchemy 2 tables of the hall. Times are stored in UTC; a ticket's business day is
the local date of its issue in the site's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# The largest id each kind of key holds (PostgreSQL integer and bigint; SQLite's INTEGER is
# 64-bit). A number past it names no row: callers answer "not found" or "invalid" before
# the driver raises OverflowError (SQLite) or "integer out of range" (PostgreSQL).
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


def row_id(ref: object, high: int = INT4_MAX) -> int | None:
    """`ref` as a row id when it is one (an int, or ASCII digits, within 1..high), else None."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, str):
        ref = ref.strip()
        if not (ref.isascii() and ref.isdigit()):
            return None
        ref = int(ref)
    if isinstance(ref, int) and 1 <= ref <= high:
        return ref
    return None



class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both engines (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Setting(Base):
    """Instance-wide values every server process must share (e.g. the signing secret)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Site(Base):
    """A hall: a ward's Bộ phận một cửa or a province's service centre."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Ho_Chi_Minh")
    # dispatch policy and counter rules of this hall (see docs/dispatch-policy.md)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the supervisor monitor's alert thresholds (domain/monitor.py); None: the defaults
    monitor: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]
    # set in /admin (services/site_setup.py); empty or None: the server's configuration
    working_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # WorkingHours.to_config()
    public_url: Mapped[str] = mapped_column(String(300), default="", server_default="")  # the slips' QR codes
    display_notice: Mapped[str] = mapped_column(String(300), default="", server_default="")  # the hall TV's line
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the admin's version check


class HolidayYear(Base):
    """A year's holidays and swapped working days made in /admin; over the shipped file of
    that year (assets/holidays/vn-YYYY.json). `data` is a holiday document (motcua-holidays)."""

    __tablename__ = "holiday_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(80), default="")


class Service(Base):
    """A queue a citizen takes a number for (e.g. A: Hộ tịch)."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("site_id", "code", name="uq_services_site_code"),
        UniqueConstraint("site_id", "prefix", name="uq_services_site_prefix"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    group_vi: Mapped[str] = mapped_column(String(200), default="")
    group_en: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(3))
    number_width: Mapped[int] = mapped_column(Integer, default=3)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # raised by each administration change: a save made from an older version is refused
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Counter(Base):
    """A counter (quầy) where a clerk calls numbers."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("site_id", "number", name="uq_counters_site_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default="closed")  # open | paused | closed
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    state_changed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # raised by each administration change (name, services); opening or closing leaves it
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    services: Mapped[list[CounterService]] = relationship(
        cascade="all, delete-orphan", order_by="CounterService.service_id"
    )


class CounterService(Base):
    __tablename__ = "counter_services"
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))  # clerk | supervisor | admin | processor
    password_hash: Mapped[str] = mapped_column(String(300))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)  # None: every site
    # a processor's agency (cơ quan xử lý); None for the desk's staff
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Device(Base):
    """A kiosk, display or hall agent; only a hash of its token is kept."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(20))  # kiosk | display | agent
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)  # written at most once a minute
    status: Mapped[str] = mapped_column(String(20), default="", server_default="")  # e.g. printer "paper_low"


class AuthSession(Base):
    """A clerk's login: a bearer/cookie token (hashed) and its CSRF token."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class TicketSequence(Base):
    """Last number given per service and business day: the row that numbering locks."""

    __tablename__ = "ticket_sequences"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # numbering: one number per service and day; a transfer carries its code on in a new row
        Index(
            "uq_tickets_number",
            "service_id",
            "business_day",
            "number",
            unique=True,
            sqlite_where=text("transfer_origin_id IS NULL"),
            postgresql_where=text("transfer_origin_id IS NULL"),
        ),
        # a counter holds at most one ticket at a time
        Index(
            "uq_tickets_at_counter",
            "counter_id",
            unique=True,
            sqlite_where=text("state IN ('called', 'serving')"),
            postgresql_where=text("state IN ('called', 'serving')"),
        ),
        # a kiosk that retries an issue (answer lost) gets the same ticket back
        Index(
            "uq_tickets_request",
            "device_id",
            "request_key",
            unique=True,
            sqlite_where=text("request_key IS NOT NULL"),
            postgresql_where=text("request_key IS NOT NULL"),
        ),
        Index("ix_tickets_queue", "site_id", "business_day", "state"),
        Index("ix_tickets_device_issued", "device_id", "issued_at"),
        # the lines of waiting tickets (service, class, placement) in call order: calling and
        # the wait estimate read each line's head and count its length, never the whole queue
        # (state and number too, so SQLite answers both from the index alone)
        # (due_at: walk-in lines hold the tickets without one; appointments have their own)
        Index(
            "ix_tickets_waiting",
            "service_id",
            "business_day",
            "priority",
            "front",
            "due_at",
            "queued_at",
            "id",
            "state",
            "number",
            sqlite_where=text("state = 'waiting'"),
            postgresql_where=text("state = 'waiting'"),
        ),
        # a site's waiting tickets oldest first (the monitor's list to call or cancel from)
        Index(
            "ix_tickets_site_waiting",
            "site_id",
            "business_day",
            "queued_at",
            "id",
            sqlite_where=text("state = 'waiting'"),
            postgresql_where=text("state = 'waiting'"),
        ),
        # each service's checked-in appointments in call order (slot start, then id)
        Index(
            "ix_tickets_appointments",
            "service_id",
            "business_day",
            "due_at",
            "id",
            "state",
            "number",
            "queued_at",
            "priority",
            "front",
            sqlite_where=text("state = 'waiting' AND due_at IS NOT NULL"),
            postgresql_where=text("state = 'waiting' AND due_at IS NOT NULL"),
        ),
        # a counter's calls of the day, latest first (the ratio policy's recent classes)
        Index("ix_tickets_counter_calls", "counter_id", "business_day", "called_at", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    business_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    issued_at: Mapped[datetime]
    queued_at: Mapped[datetime]  # orders the ticket in its queue
    front: Mapped[bool] = mapped_column(Boolean, default=False)
    called_at: Mapped[datetime | None] = mapped_column(nullable=True)  # first call
    last_called_at: Mapped[datetime | None] = mapped_column(nullable=True)
    serving_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    out_of_order: Mapped[bool] = mapped_column(Boolean, default=False)
    transfer_origin_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    procedure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # how the number was taken: kiosk | counter (staff) | remote (a phone) | appointment
    channel: Mapped[str] = mapped_column(String(12), default="kiosk", server_default="kiosk")
    request_key: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the kiosk's Idempotency-Key
    # an appointment's ticket: the start of its booked slot (dispatch calls it near that time)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Event(Base):
    """The event log: one row per state change, written in the change's transaction.

    ``txid`` (PostgreSQL only) is the writing transaction's id; readers deliver an event
    only once every older transaction has ended, so ids never arrive out of order.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_site_id", "site_id", "id"),
        # PostgreSQL: the readers' cursor (txid, id) in log order: the hub's read after each
        # commit and a display's resume seek here instead of scanning the log (events/log.py
        # CURSOR_TXID; on SQLite txid is always 0 and the cursor is the primary key)
        Index("ix_events_cursor", text("coalesce(txid, 0)"), "id").ddl_if(dialect="postgresql"),
        Index("ix_events_site_cursor", "site_id", text("coalesce(txid, 0)"), "id").ddl_if(dialect="postgresql"),
        # the recent events of a few kinds (the monitor's print failures, lockouts, out-of-order calls)
        Index("ix_events_site_kind_at", "site_id", "kind", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    counter_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(80), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CatalogField(Base):
    """A field of procedures (lĩnh vực), e.g. Hộ tịch."""

    __tablename__ = "catalog_fields"
    __table_args__ = (UniqueConstraint("site_id", "code", name="uq_catalog_fields_site_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) as the catalogue describes it."""

    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("site_id", "code", name="uq_procedures_site_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(40))
    field_code: Mapped[str] = mapped_column(String(40))
    name_vi: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text, default="")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# -- dossiers (hồ sơ một cửa) -------------------------------------------------------------


class DossierSequence(Base):
    """Counters that dossier numbering locks: the daily counter of the dossier code
    (scope "d:YYYY-MM-DD") and the logbook's line within its yearly book (scope "book:YYYY")."""

    __tablename__ = "dossier_sequences"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(24), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    """A dossier received at a counter, with its applicant (personal data: never in events)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("site_id", "received_day", "number", name="uq_dossiers_site_day_number"),
        Index("ix_dossiers_open", "site_id", "state", "due_at"),
        Index("ix_dossiers_received", "site_id", "received_at"),
        Index("ix_dossiers_ticket", "ticket_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    lookup_code: Mapped[str] = mapped_column(String(12))
    received_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    logbook_book: Mapped[str] = mapped_column(String(20))
    logbook_line: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name_vi: Mapped[str] = mapped_column(Text)
    procedure_name_en: Mapped[str] = mapped_column(Text, default="")
    field_code: Mapped[str] = mapped_column(String(40), default="")
    lead_agency: Mapped[str] = mapped_column(Text, default="")
    current_agency: Mapped[str] = mapped_column(Text, default="")  # the holder's name (old rows, public view)
    current_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)  # None: the desk
    apology_prompted_at: Mapped[datetime | None] = mapped_column(nullable=True)  # dossier.apology_needed sent
    channel: Mapped[str] = mapped_column(String(20), default="truc_tiep")
    processing_quantity: Mapped[int] = mapped_column(Integer)
    processing_unit: Mapped[str] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_type: Mapped[str] = mapped_column(String(12), default="cccd")
    applicant_id_number: Mapped[str] = mapped_column(String(20), default="")
    applicant_phone: Mapped[str] = mapped_column(String(20), default="")
    applicant_email: Mapped[str] = mapped_column(String(254), default="")
    applicant_address: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sets: Mapped[int] = mapped_column(Integer, default=1)
    fee_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    result_delivery: Mapped[str] = mapped_column(String(10), default="counter")  # counter | post
    delivery_address: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]  # the legal appointment (restarts when missing documents arrive)
    appointment_at: Mapped[datetime]  # what the citizen was last promised (an apology moves it)
    calendar_missing_years: Mapped[list[Any]] = mapped_column(JSON, default=list)
    calendar_unconfirmed_years: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(24), default="received")
    state_changed_at: Mapped[datetime]
    flag: Mapped[str] = mapped_column(String(12), default="")  # "" | due_soon | overdue (already announced)
    result_ready_at: Mapped[datetime | None] = mapped_column(nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    received_by_name: Mapped[str] = mapped_column(String(200), default="")
    returned_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class DossierStep(Base):
    """One line of a dossier's timeline: receipt, hand-off (Mẫu 05), supplement request
    (Mẫu 02), refusal (Mẫu 03), apology (Mẫu 04), result ready, returned."""

    __tablename__ = "dossier_steps"
    __table_args__ = (Index("ix_dossier_steps_dossier", "dossier_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80), default="")
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    from_agency: Mapped[str] = mapped_column(Text, default="")
    to_agency: Mapped[str] = mapped_column(Text, default="")
    handed_by: Mapped[str] = mapped_column(String(200), default="")
    received_by: Mapped[str] = mapped_column(String(200), default="")
    timing: Mapped[str] = mapped_column(String(12), default="")  # early | on_time | late | ""
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RateCounter(Base):
    """A fixed-window counter shared by every server process (e.g. failed dossier lookups)."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)


class ReportDay(Base):
    """A closed business day of a site, summarised once for the queue reports: the day's
    arrivals by local hour, ratings and out-of-order calls (JSON), beside its cells below.
    Written when a report first needs the day (or by the server's nightly round) and never
    changed after: a closed day's tickets are all final."""

    __tablename__ = "report_days"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    span: Mapped[str] = mapped_column(String(5), primary_key=True)  # day | month (the sum of its days)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day
    last_day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)  # of the summary's shape; an older one is summarised again
    computed_at: Mapped[datetime]
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReportCell(Base):
    """One day's tickets of one row of a report table: a service, a counter, a clerk, a
    priority class, a channel or the whole day (`dim`, `key`). Counts by outcome, and waits
    and service times as histograms (domain.reports) with their sums; `wait_within` counts
    the waits within their service's target in force when the day was summarised."""

    __tablename__ = "report_cells"
    __table_args__ = (Index("ix_report_cells_day", "site_id", "span", "business_day"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    span: Mapped[str] = mapped_column(String(5))
    business_day: Mapped[date] = mapped_column(Date)
    dim: Mapped[str] = mapped_column(String(10))  # total | service | counter | clerk | priority | channel
    key: Mapped[str] = mapped_column(String(40))  # the service's, counter's or clerk's id ("0": never called), a class...
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # issued, finished, no_show...
    wait_hist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    wait_sum_s: Mapped[float] = mapped_column(default=0.0)
    wait_within: Mapped[int] = mapped_column(Integer, default=0)
    service_hist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    service_sum_s: Mapped[float] = mapped_column(default=0.0)


# -- numbers taken from a phone (lấy số từ xa, docs/remote-numbers.md) --------------------------


class RemoteSettings(Base):
    """A site's rules for remote numbers (domain.remote.RemoteRules); no row: off."""

    __tablename__ = "remote_settings"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    hours_from: Mapped[str] = mapped_column(String(5), default="")  # "HH:MM" local, "": the working hours
    hours_until: Mapped[str] = mapped_column(String(5), default="")
    checkin_minutes: Mapped[int] = mapped_column(Integer, default=60)
    expire_at: Mapped[str] = mapped_column(String(5), default="")  # "": the end of the day's last session
    placement: Mapped[str] = mapped_column(String(10), default="taken")  # taken | checkin
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class RemoteService(Base):
    """Whether a service gives remote numbers, and how many a day; no row: it does not."""

    __tablename__ = "remote_services"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_quota: Mapped[int] = mapped_column(Integer, default=0)


class RemoteTicket(Base):
    """A ticket taken from a phone: its check-in code and window, and its limit keys.

    `phone_key` and `device_key` are keyed hashes (HMAC with the instance secret) of the
    phone number and of the browser's id, never the number itself; the retention purge
    erases them once the ticket's day is over (services/retention.py)."""

    __tablename__ = "remote_tickets"
    __table_args__ = (Index("ix_remote_tickets_quota", "service_id", "business_day"),
                      Index("ix_remote_tickets_open", "site_id", "checked_in_at", "expires_at"))
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id"), primary_key=True,
                                           autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    business_day: Mapped[date] = mapped_column(Date)
    checkin_code: Mapped[str] = mapped_column(String(8), unique=True)
    phone_key: Mapped[str] = mapped_column(String(64), default="")
    device_key: Mapped[str] = mapped_column(String(64), default="")
    taken_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the end of the check-in window
    checked_in_at: Mapped[datetime | None] = mapped_column(nullable=True)
    checked_in_by: Mapped[str] = mapped_column(String(20), default="")  # kiosk | poster | staff


class RemoteHold(Base):
    """One row per limit key ("p:<site>:<phone key>", "d:<site>:<device key>"): the remote
    ticket that key holds. Taking a number locks the key's row, so two requests with the
    same phone never both get a ticket, on either engine."""

    __tablename__ = "remote_holds"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime]


# -- feedback and petitions (phản ánh, kiến nghị) -------------------------------------------


class Petition(Base):
    """A citizen's feedback or petition, its handling and its answer. The contact (name,
    phone) is personal data: only staff see it, events never carry it, and the retention
    purge erases it once the case is answered or closed (services/retention.py)."""

    __tablename__ = "petitions"
    __table_args__ = (Index("ix_petitions_inbox", "site_id", "state", "created_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(12), unique=True)  # the public code, as stored (no dashes)
    category: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web | kiosk | staff
    state: Mapped[str] = mapped_column(String(16), default="new")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    answered_by_name: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    state_changed_at: Mapped[datetime]
    contact_erased_at: Mapped[datetime | None] = mapped_column(nullable=True)


class NotificationContact(Base):
    """A citizen's wish to be messaged about one ticket (the phone page's "nhắn tin cho tôi"):
    the phone number is personal data, staff-only, erased by the retention purge."""

    __tablename__ = "notification_contacts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    ticket_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    phone: Mapped[str] = mapped_column(String(20), default="")
    ahead: Mapped[int | None] = mapped_column(Integer, nullable=True)  # message when this many are ahead
    created_at: Mapped[datetime]


class Notification(Base):
    """The outbox: one message for the hall's webhook (an SMS or Zalo gateway). `key` makes a
    message once only (e.g. "called:<ticket>:<call>"), whichever process writes it first."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    recipient: Mapped[str] = mapped_column(String(20), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)  # a process is sending it
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NotificationAttempt(Base):
    """Each delivery attempt of a message: when, the receiver's status (None: no answer) and
    what went wrong."""

    __tablename__ = "notification_attempts"
    __table_args__ = (Index("ix_notification_attempts_of", "notification_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notification_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("notifications.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


# -- appointments (đặt lịch hẹn) -------------------------------------------------------------


class AppointmentSetting(Base):
    """One service's appointment settings (domain.appointments.SlotRule as JSON)."""

    __tablename__ = "appointment_settings"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class AppointmentSlot(Base):
    """A slot that has (or had) bookings: `booked` is raised by a conditional UPDATE
    (``booked < capacity``), so concurrent bookings never exceed the capacity on either engine."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("service_id", "starts_at", name="uq_appointment_slots_service_start"),
        Index("ix_appointment_slots_day", "service_id", "day"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)  # the slot's local date
    starts_at: Mapped[datetime]
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """A citizen's booking. Name and phone are personal data: staff only, never in events,
    erased by the retention purge (services/retention.py)."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_slot", "slot_id", "state"),
        Index("ix_appointments_due", "state", "starts_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime]
    code: Mapped[str] = mapped_column(String(12), unique=True)
    procedure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(12), default="booked")  # booked|checked_in|cancelled|no_show
    created_at: Mapped[datetime]
    state_changed_at: Mapped[datetime]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    personal_erased_at: Mapped[datetime | None] = mapped_column(nullable=True)


# -- agencies (một cửa liên thông: the departments that process dossiers) ------------------


class Agency(Base):
    """A department or agency of a site that processes dossiers (e.g. Phòng Quản lý đô thị).
    `hours` overrides the site's working hours (same shape); `days_off` are its extra days off
    (ISO dates) on top of the site's calendar."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("site_id", "code", name="uq_agencies_site_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    days_off: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class ProcedureRoute(Base):
    """A procedure's processing route at a site: `route` is a list of {"agency": "QLDT" or
    "SITE:AGENCY", "share": 0.6} (shares of the legal time; the rest is the desk's). Kept
    apart from `procedures` so that a site reading its catalogue from a file has routes too,
    and a catalogue import keeps them."""

    __tablename__ = "procedure_routes"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    route: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]


class DossierHandoff(Base):
    """One row of the control slip (Mẫu 05): a hand-off from a party (None: the desk) to a
    party (None: the desk of the dossier's site), its receipt (signed for), its step deadline
    and how the step ended. `state`: pending | held | done | refused. `outcome` says how a
    held row ended: forwarded | returned | supplement | refused (or the desk's signature)."""

    __tablename__ = "dossier_handoffs"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq", name="uq_dossier_handoffs_dossier_seq"),
        Index("ix_dossier_handoffs_inbox", "to_agency_id", "state", "step_due_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    from_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    to_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    route_index: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the route step it fulfils
    handed_at: Mapped[datetime]
    handed_by: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    received_by: Mapped[str] = mapped_column(String(200), default="")
    step_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    timing: Mapped[str] = mapped_column(String(12), default="")  # early | on_time | late | ""
    off_route: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(12), default="")
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"at", "by", "text"}]
    state: Mapped[str] = mapped_column(String(12), default="pending")
    late_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
