"""The procedure catalogue of a hall: parse, check, and search it without diacritics.

A catalogue document (decoded JSON, format "motcua-catalog", see docs/catalog-format.md)
describes the hall, its fields (lĩnh vực), its queue services and counters, and every
administrative procedure (thủ tục hành chính) with channels, fees, processing times,
documents, steps and legal basis.

`check_catalog(doc)` reports EVERY problem with its location
(``procedures[3].channels[0].processing_time: thiếu thời hạn giải quyết / missing
processing time``); `parse_catalog(doc)` returns frozen dataclasses or raises
`CatalogInvalid` with that list, so an import can refuse the whole file.

Text is normalised, not rejected: every string is trimmed and put in Unicode NFC (a file
saved by an editor in NFD or with combining tone marks looks identical but would not
match); each change is reported as a warning with its location.

Search folds diacritics (`fold("Đăng ký")` -> "dang ky") and ranks a code match first,
then names; the text rules live in `vnsearch` (stdlib only) so the kiosk, which may not
import the server, searches exactly as the server does. `SearchIndex.from_catalog` indexes
a parsed catalogue.

Pure: no file reading here (see queue_server/services/catalog_files.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from queue_server.domain.working_days import TimeUnit
from vnsearch import SearchHit, fold
from vnsearch import SearchIndex as _TextIndex

FORMAT = "motcua-catalog"
SUPPORTED_VERSIONS = (1,)

# ------------------------------------------------------------------------ model


@dataclass(frozen=True)
class Text:
    """A text in Vietnamese and (optionally) English; English falls back to Vietnamese."""

    vi: str
    en: str = ""

    def get(self, lang: str = "vi") -> str:
        return (self.en or self.vi) if lang == "en" else self.vi

    def __str__(self) -> str:
        return self.vi


class Level(StrEnum):
    COMMUNE = "xa"  # cấp xã / phường / đặc khu
    DISTRICT = "huyen"  # cấp huyện (abolished 1/7/2025; kept for older catalogues)
    PROVINCE = "tinh"
    CENTRAL = "trung_uong"


LEVEL_NAMES: dict[Level, Text] = {
    Level.COMMUNE: Text("Cấp xã", "Commune level"),
    Level.DISTRICT: Text("Cấp huyện", "District level"),
    Level.PROVINCE: Text("Cấp tỉnh", "Provincial level"),
    Level.CENTRAL: Text("Cấp trung ương", "Central level"),
}


class ChannelKind(StrEnum):
    IN_PERSON = "truc_tiep"
    ONLINE = "truc_tuyen"
    POST = "buu_chinh"


CHANNEL_NAMES: dict[ChannelKind, Text] = {
    ChannelKind.IN_PERSON: Text("Trực tiếp", "In person"),
    ChannelKind.ONLINE: Text("Trực tuyến", "Online"),
    ChannelKind.POST: Text("Dịch vụ bưu chính", "By post"),
}

UNIT_NAMES: dict[TimeUnit, Text] = {
    TimeUnit.WORKING_DAYS: Text("ngày làm việc", "working days"),
    TimeUnit.DAYS: Text("ngày", "days"),
    TimeUnit.HOURS: Text("giờ làm việc", "working hours"),
    TimeUnit.SAME_DAY: Text("trong ngày", "same day"),
}


@dataclass(frozen=True)
class FieldOfWork:
    """A lĩnh vực, e.g. HT = Hộ tịch."""

    code: str
    name: Text


@dataclass(frozen=True)
class QueueService:
    """A queue a citizen takes a number for (ticket prefix + number, e.g. A012)."""

    code: str
    prefix: str
    number_width: int
    name: Text
    fields: tuple[str, ...]
    group: Text | None = None


@dataclass(frozen=True)
class CounterService:
    service: str
    weight: int


@dataclass(frozen=True)
class CounterPlan:
    """A suggested counter: which services it calls and with what weight."""

    number: int
    name: Text
    services: tuple[CounterService, ...]


@dataclass(frozen=True)
class Fee:
    amount_vnd: int
    note: Text | None = None


@dataclass(frozen=True)
class ProcessingTime:
    quantity: int
    unit: TimeUnit
    note: Text | None = None

    def describe(self, lang: str = "vi") -> str:
        unit = UNIT_NAMES[self.unit].get(lang)
        if self.unit is TimeUnit.SAME_DAY:
            return unit
        return f"{self.quantity} {unit}"


@dataclass(frozen=True)
class Channel:
    kind: ChannelKind
    fee: Fee
    processing_time: ProcessingTime
    note: Text | None = None


@dataclass(frozen=True)
class DocumentRequirement:
    """One item of thành phần hồ sơ."""

    name: Text
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0
    show_original: bool = False  # xuất trình bản chính để đối chiếu, not handed in
    required: bool = True
    form: Text | None = None  # mẫu đơn, tờ khai
    note: Text | None = None


@dataclass(frozen=True)
class Procedure:
    code: str
    code_confirmed: bool
    name: Text
    field: str
    level: Level
    agency: Text
    subjects: tuple[Text, ...]
    channels: tuple[Channel, ...]
    documents: tuple[DocumentRequirement, ...]
    steps: tuple[Text, ...]
    requirements: tuple[Text, ...]
    result: Text
    where: Text
    legal_basis: tuple[Text, ...]
    service: str
    keywords: tuple[str, ...] = ()
    source_note: str = ""

    def channel(self, kind: ChannelKind | str) -> Channel | None:
        kind = ChannelKind(kind)
        return next((c for c in self.channels if c.kind is kind), None)


@dataclass(frozen=True)
class Hall:
    name: Text
    agency: Text
    agency_code: str
    address: Text | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    fictional: bool = False


@dataclass(frozen=True)
class Catalog:
    hall: Hall
    fields: tuple[FieldOfWork, ...]
    services: tuple[QueueService, ...]
    counters: tuple[CounterPlan, ...]
    procedures: tuple[Procedure, ...]
    demo: bool = False
    _index: SearchIndex | None = field(default=None, init=False, repr=False, compare=False)

    def procedure(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)

    def field_of(self, code: str) -> FieldOfWork | None:
        return next((f for f in self.fields if f.code == code), None)

    def service(self, code: str) -> QueueService | None:
        return next((s for s in self.services if s.code == code), None)

    def procedures_in(self, field_code: str) -> tuple[Procedure, ...]:
        return tuple(p for p in self.procedures if p.field == field_code)

    @property
    def index(self) -> SearchIndex:
        """The search index, built on first use."""
        if self._index is None:
            object.__setattr__(self, "_index", SearchIndex.from_catalog(self))
        assert self._index is not None
        return self._index


# ------------------------------------------------------------------------ issues


@dataclass(frozen=True)
class Issue:
    """A problem at a location of the document, in Vietnamese and English."""

    path: str
    vi: str
    en: str

    def __str__(self) -> str:
        return f"{self.path}: {self.vi} / {self.en}"


class CatalogInvalid(ValueError):
    """The catalogue has errors; nothing of it should be used."""

    def __init__(self, errors: Sequence[Issue], warnings: Sequence[Issue] = ()) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)
        self.warnings = list(warnings)


@dataclass(frozen=True)
class CatalogReport:
    """The result of checking a document: the catalogue when there are no errors."""

    catalog: Catalog | None
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


# ------------------------------------------------------------------------ parsing

_PROC_CODE = re.compile(r"^\d\.\d{6}(\.[A-Z0-9]{2,6})?$")
_SHORT_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
_PREFIX = re.compile(r"^[A-Z]{1,3}$")
_AGENCY_CODE = re.compile(r"^[0-9A-Z][0-9A-Z.]{2,39}$")

_TOP_KEYS = {"format", "version", "demo", "hall", "fields", "services", "counters", "procedures", "note",
             "sources", "disclaimer"}
_PROC_KEYS = {"code", "code_confirmed", "name", "field", "level", "agency", "subjects", "channels",
              "documents", "steps", "requirements", "result", "where", "legal_basis", "service",
              "keywords", "source_note"}
_CHANNEL_KEYS = {"kind", "fee", "processing_time", "note"}
_DOC_KEYS = {"name", "originals", "certified_copies", "photocopies", "show_original", "required", "form", "note"}


class _Checker:
    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, path: str, vi: str, en: str) -> None:
        self.errors.append(Issue(path, vi, en))

    def warn(self, path: str, vi: str, en: str) -> None:
        self.warnings.append(Issue(path, vi, en))

    # -- scalars

    def string(self, value: Any, path: str, *, required: bool = True) -> str | None:
        if value is None:
            if required:
                self.error(path, "thiếu", "missing")
            return None
        if not isinstance(value, str):
            self.error(path, "phải là chuỗi ký tự", "must be a string")
            return None
        clean = unicodedata.normalize("NFC", value).strip()
        if clean != value.strip():
            self.warn(path, "đã chuẩn hoá Unicode NFC", "normalised to Unicode NFC")
        if _CONTROL.search(clean):
            self.error(path, "chứa ký tự điều khiển", "contains control characters")
            return None
        if not clean:
            if required:
                self.error(path, "không được để trống", "must not be empty")
            return None
        return clean

    def text(self, value: Any, path: str, *, required: bool = True, need_en: bool = False) -> Text | None:
        if value is None:
            if required:
                self.error(path, "thiếu", "missing")
            return None
        if not isinstance(value, Mapping):
            self.error(path, "phải là {\"vi\": ..., \"en\": ...}", "must be {\"vi\": ..., \"en\": ...}")
            return None
        unknown = set(value) - {"vi", "en"}
        if unknown:
            self.warn(path, f"khoá không dùng: {sorted(unknown)}", f"unused keys: {sorted(unknown)}")
        vi = self.string(value.get("vi"), f"{path}.vi")
        en = self.string(value.get("en"), f"{path}.en", required=need_en)
        if vi is None:
            return None
        return Text(vi, en or "")

    def integer(self, value: Any, path: str, *, minimum: int | None = None, maximum: int | None = None,
                what: tuple[str, str] = ("số nguyên", "an integer")) -> int | None:
        if value is None:
            self.error(path, "thiếu", "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"phải là {what[0]}", f"must be {what[1]}")
            return None
        if minimum is not None and value < minimum:
            self.error(path, f"phải ≥ {minimum}", f"must be ≥ {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.error(path, f"phải ≤ {maximum}", f"must be ≤ {maximum}")
            return None
        return value

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, "phải là true hoặc false", "must be true or false")
            return default
        return value

    def items(self, value: Any, path: str, *, required: bool = True, nonempty: bool = False) -> list[Any]:
        if value is None:
            if required:
                self.error(path, "thiếu", "missing")
            return []
        if not isinstance(value, list):
            self.error(path, "phải là một danh sách", "must be a list")
            return []
        if nonempty and not value:
            self.error(path, "danh sách không được rỗng", "list must not be empty")
        return value

    def obj(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if value is None:
            self.error(path, "thiếu", "missing")
            return None
        if not isinstance(value, Mapping):
            self.error(path, "phải là một đối tượng", "must be an object")
            return None
        return value

    def unknown_keys(self, value: Mapping[str, Any], allowed: set[str], path: str) -> None:
        extra = sorted(set(value) - allowed)
        if extra:
            self.warn(path, f"khoá không dùng: {extra}", f"unused keys: {extra}")

    def texts(self, value: Any, path: str, *, nonempty: bool,
              missing: tuple[str, str] = ("thiếu", "missing")) -> tuple[Text, ...]:
        if value is None or (nonempty and value == []):
            if nonempty:
                self.error(path, *missing)
            return ()
        out = []
        for i, item in enumerate(self.items(value, path)):
            t = self.text(item, f"{path}[{i}]")
            if t is not None:
                out.append(t)
        return tuple(out)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_catalog(doc: Any) -> CatalogReport:
    """Check a whole catalogue document; every error and warning has its location."""
    c = _Checker()
    if not isinstance(doc, Mapping):
        c.error("$", "tài liệu phải là một đối tượng JSON", "the document must be a JSON object")
        return CatalogReport(None, tuple(c.errors), ())
    if doc.get("format") != FORMAT:
        c.error("format", f"phải là \"{FORMAT}\"", f"must be \"{FORMAT}\"")
    if doc.get("version") not in SUPPORTED_VERSIONS:
        c.error("version", f"phiên bản không hỗ trợ (hỗ trợ: {SUPPORTED_VERSIONS})",
                f"unsupported version (supported: {SUPPORTED_VERSIONS})")
    c.unknown_keys(doc, _TOP_KEYS, "$")
    demo = c.boolean(doc.get("demo"), "demo", False)

    hall = _hall(c, doc.get("hall"))

    fields: list[FieldOfWork] = []
    field_codes: set[str] = set()
    for i, raw in enumerate(c.items(doc.get("fields"), "fields", nonempty=True)):
        path = f"fields[{i}]"
        item = c.obj(raw, path)
        if item is None:
            continue
        code = _code(c, item.get("code"), f"{path}.code", _SHORT_CODE, "mã lĩnh vực", "field code")
        name = c.text(item.get("name"), f"{path}.name", need_en=True)
        if code in field_codes:
            c.error(f"{path}.code", f"trùng mã lĩnh vực {code!r}", f"duplicate field code {code!r}")
            continue
        if code and name:
            field_codes.add(code)
            fields.append(FieldOfWork(code, name))

    services: list[QueueService] = []
    service_fields: dict[str, set[str]] = {}
    prefixes: set[str] = set()
    for i, raw in enumerate(c.items(doc.get("services"), "services", nonempty=True)):
        path = f"services[{i}]"
        item = c.obj(raw, path)
        if item is None:
            continue
        code = _code(c, item.get("code"), f"{path}.code", _SHORT_CODE, "mã dịch vụ", "service code")
        prefix = _code(c, item.get("prefix"), f"{path}.prefix", _PREFIX,
                       "tiền tố số thứ tự (1–3 chữ cái in hoa A–Z)", "ticket prefix (1-3 capital letters A-Z)")
        width = c.integer(item.get("number_width", 3), f"{path}.number_width", minimum=1, maximum=6)
        name = c.text(item.get("name"), f"{path}.name", need_en=True)
        group = c.text(item.get("group"), f"{path}.group", required=False, need_en=True)
        covered: list[str] = []
        for j, f in enumerate(c.items(item.get("fields"), f"{path}.fields")):
            if f not in field_codes:
                c.error(f"{path}.fields[{j}]", f"lĩnh vực không tồn tại: {f!r}", f"unknown field {f!r}")
            else:
                covered.append(f)
        if prefix in prefixes:
            c.error(f"{path}.prefix", f"trùng tiền tố {prefix!r}", f"duplicate prefix {prefix!r}")
        if code in service_fields:
            c.error(f"{path}.code", f"trùng mã dịch vụ {code!r}", f"duplicate service code {code!r}")
            continue
        if code:
            service_fields[code] = set(covered)
        if prefix:
            prefixes.add(prefix)
        if code and prefix and width and name:
            services.append(QueueService(code, prefix, width, name, tuple(covered), group))
    for f in sorted(field_codes - set().union(*service_fields.values())):
        c.warn("fields", f"không dịch vụ nào nhận lĩnh vực {f!r}", f"no service covers field {f!r}")

    counters: list[CounterPlan] = []
    numbers: set[int] = set()
    called: set[str] = set()
    for i, raw in enumerate(c.items(doc.get("counters"), "counters", required=False)):
        path = f"counters[{i}]"
        item = c.obj(raw, path)
        if item is None:
            continue
        number = c.integer(item.get("number"), f"{path}.number", minimum=1,
                           what=("số nguyên dương", "a positive integer"))
        name = c.text(item.get("name"), f"{path}.name", need_en=True)
        plan: list[CounterService] = []
        svc = item.get("services")
        if not isinstance(svc, Mapping) or not svc:
            c.error(f"{path}.services", "cần ít nhất một dịch vụ với trọng số, ví dụ {\"HT\": 2}",
                    "needs at least one service with a weight, e.g. {\"HT\": 2}")
        else:
            for code, weight in svc.items():
                w = c.integer(weight, f"{path}.services.{code}", minimum=1, maximum=100)
                if code not in service_fields:
                    c.error(f"{path}.services.{code}", f"dịch vụ không tồn tại: {code!r}", f"unknown service {code!r}")
                elif w is not None:
                    plan.append(CounterService(code, w))
                    called.add(code)
        if number in numbers:
            c.error(f"{path}.number", f"trùng số quầy {number}", f"duplicate counter number {number}")
            continue
        if number is not None:
            numbers.add(number)
        if number is not None and name:
            counters.append(CounterPlan(number, name, tuple(plan)))
    if counters:
        for code in sorted(set(service_fields) - called):
            c.warn("counters", f"không quầy nào gọi dịch vụ {code!r}", f"no counter calls service {code!r}")

    procedures: list[Procedure] = []
    seen_codes: dict[str, int] = {}
    for i, raw in enumerate(c.items(doc.get("procedures"), "procedures", nonempty=True)):
        p = _procedure(c, raw, f"procedures[{i}]", field_codes, service_fields)
        if p is None:
            continue
        if p.code in seen_codes:
            c.error(f"procedures[{i}].code", f"trùng mã thủ tục {p.code} (đã có ở procedures[{seen_codes[p.code]}])",
                    f"duplicate procedure code {p.code} (already at procedures[{seen_codes[p.code]}])")
            continue
        seen_codes[p.code] = i
        procedures.append(p)

    if c.errors or hall is None:
        return CatalogReport(None, tuple(c.errors), tuple(c.warnings))
    catalog = Catalog(hall=hall, fields=tuple(fields), services=tuple(services), counters=tuple(counters),
                      procedures=tuple(procedures), demo=demo)
    return CatalogReport(catalog, (), tuple(c.warnings))


def parse_catalog(doc: Any) -> Catalog:
    """The catalogue of `doc`, or CatalogInvalid listing every error."""
    report = check_catalog(doc)
    if report.catalog is None:
        raise CatalogInvalid(report.errors, report.warnings)
    return report.catalog


def _code(c: _Checker, value: Any, path: str, pattern: re.Pattern[str], vi: str, en: str) -> str | None:
    s = c.string(value, path)
    if s is None:
        return None
    if not pattern.match(s):
        c.error(path, f"{vi} không đúng dạng: {s!r}", f"malformed {en}: {s!r}")
        return None
    return s


def _hall(c: _Checker, value: Any) -> Hall | None:
    item = c.obj(value, "hall")
    if item is None:
        return None
    name = c.text(item.get("name"), "hall.name", need_en=True)
    agency = c.text(item.get("agency"), "hall.agency", need_en=True)
    agency_code = _code(c, item.get("agency_code"), "hall.agency_code", _AGENCY_CODE,
                        "mã cơ quan", "agency code")
    address = c.text(item.get("address"), "hall.address", required=False)
    tz = c.string(item.get("timezone", "Asia/Ho_Chi_Minh"), "hall.timezone")
    fictional = c.boolean(item.get("fictional"), "hall.fictional", False)
    if name is None or agency is None or agency_code is None or tz is None:
        return None
    return Hall(name, agency, agency_code, address, tz, fictional)


def _procedure(c: _Checker, raw: Any, path: str, field_codes: set[str],
               service_fields: Mapping[str, set[str]]) -> Procedure | None:
    item = c.obj(raw, path)
    if item is None:
        return None
    before = len(c.errors)
    c.unknown_keys(item, _PROC_KEYS, path)
    code = _code(c, item.get("code"), f"{path}.code", _PROC_CODE, "mã thủ tục (dạng 1.001193)",
                 "procedure code (like 1.001193)")
    code_confirmed = c.boolean(item.get("code_confirmed"), f"{path}.code_confirmed", False)
    name = c.text(item.get("name"), f"{path}.name", need_en=True)
    fcode = c.string(item.get("field"), f"{path}.field")
    if fcode is not None and fcode not in field_codes:
        c.error(f"{path}.field", f"lĩnh vực không tồn tại: {fcode!r}", f"unknown field {fcode!r}")
    level_raw = item.get("level")
    level = None
    try:
        level = Level(level_raw)
    except ValueError:
        c.error(f"{path}.level", f"cấp thực hiện phải là một trong {[lv.value for lv in Level]}",
                f"level must be one of {[lv.value for lv in Level]}")
    agency = c.text(item.get("agency"), f"{path}.agency")
    subjects = c.texts(item.get("subjects"), f"{path}.subjects", nonempty=True,
                       missing=("thiếu đối tượng thực hiện", "missing subjects"))

    channels: list[Channel] = []
    kinds: set[ChannelKind] = set()
    raw_channels = item.get("channels")
    if raw_channels is None or raw_channels == []:
        c.error(f"{path}.channels", "thiếu cách thức thực hiện (trực tiếp, trực tuyến, bưu chính)",
                "missing channels (in person, online, post)")
    for j, raw_ch in enumerate(c.items(raw_channels, f"{path}.channels", required=False)):
        ch = _channel(c, raw_ch, f"{path}.channels[{j}]")
        if ch is None:
            continue
        if ch.kind in kinds:
            c.error(f"{path}.channels[{j}].kind", f"cách thức bị lặp: {ch.kind.value}",
                    f"channel listed twice: {ch.kind.value}")
            continue
        kinds.add(ch.kind)
        channels.append(ch)

    documents: list[DocumentRequirement] = []
    raw_docs = c.items(item.get("documents"), f"{path}.documents")
    if isinstance(item.get("documents"), list) and not raw_docs:
        c.warn(f"{path}.documents", "không có thành phần hồ sơ", "no documents listed")
    for j, raw_doc in enumerate(raw_docs):
        d = _document(c, raw_doc, f"{path}.documents[{j}]")
        if d is not None:
            documents.append(d)

    steps = c.texts(item.get("steps"), f"{path}.steps", nonempty=True,
                    missing=("thiếu trình tự thực hiện", "missing steps"))
    requirements = c.texts(item.get("requirements", []), f"{path}.requirements", nonempty=False)
    result = c.text(item.get("result"), f"{path}.result")
    where = c.text(item.get("where"), f"{path}.where")
    legal = c.texts(item.get("legal_basis"), f"{path}.legal_basis", nonempty=True,
                    missing=("thiếu căn cứ pháp lý", "missing legal basis"))
    service = c.string(item.get("service"), f"{path}.service")
    if service is not None:
        if service not in service_fields:
            c.error(f"{path}.service", f"dịch vụ xếp hàng không tồn tại: {service!r}", f"unknown queue service {service!r}")
        elif fcode in field_codes and fcode not in service_fields[service]:
            c.error(f"{path}.service", f"dịch vụ {service!r} không nhận lĩnh vực {fcode!r}",
                    f"service {service!r} does not cover field {fcode!r}")
    keywords = []
    for j, kw in enumerate(c.items(item.get("keywords"), f"{path}.keywords", required=False)):
        s = c.string(kw, f"{path}.keywords[{j}]")
        if s:
            keywords.append(s)
    source_note = c.string(item.get("source_note"), f"{path}.source_note", required=False) or ""

    if len(c.errors) != before:
        return None
    assert code and name and fcode and level and agency and result and where and service
    return Procedure(code=code, code_confirmed=code_confirmed, name=name, field=fcode, level=level,
                     agency=agency, subjects=subjects, channels=tuple(channels), documents=tuple(documents),
                     steps=steps, requirements=requirements, result=result, where=where, legal_basis=legal,
                     service=service, keywords=tuple(keywords), source_note=source_note)


def _channel(c: _Checker, raw: Any, path: str) -> Channel | None:
    item = c.obj(raw, path)
    if item is None:
        return None
    before = len(c.errors)
    c.unknown_keys(item, _CHANNEL_KEYS, path)
    kind = None
    try:
        kind = ChannelKind(item.get("kind"))
    except ValueError:
        c.error(f"{path}.kind", f"cách thức phải là một trong {[k.value for k in ChannelKind]}",
                f"kind must be one of {[k.value for k in ChannelKind]}")
    fee = None
    raw_fee = item.get("fee")
    if raw_fee is None:
        c.error(f"{path}.fee", "thiếu phí, lệ phí (ghi 0 nếu miễn phí)", "missing fee (write 0 when free)")
    else:
        fee_obj = c.obj(raw_fee, f"{path}.fee")
        if fee_obj is not None:
            c.unknown_keys(fee_obj, {"amount_vnd", "note"}, f"{path}.fee")
            amount = c.integer(fee_obj.get("amount_vnd"), f"{path}.fee.amount_vnd", minimum=0,
                               what=("số tiền nguyên (đồng)", "a whole amount in đồng"))
            note = c.text(fee_obj.get("note"), f"{path}.fee.note", required=False)
            if amount is not None:
                fee = Fee(amount, note)
    pt = None
    raw_pt = item.get("processing_time")
    if raw_pt is None:
        c.error(f"{path}.processing_time", "thiếu thời hạn giải quyết", "missing processing time")
    else:
        pt_obj = c.obj(raw_pt, f"{path}.processing_time")
        if pt_obj is not None:
            c.unknown_keys(pt_obj, {"quantity", "unit", "note"}, f"{path}.processing_time")
            unit = None
            try:
                unit = TimeUnit(pt_obj.get("unit"))
            except ValueError:
                c.error(f"{path}.processing_time.unit", f"đơn vị phải là một trong {[u.value for u in TimeUnit]}",
                        f"unit must be one of {[u.value for u in TimeUnit]}")
            if unit is TimeUnit.SAME_DAY:
                quantity = c.integer(pt_obj.get("quantity", 1), f"{path}.processing_time.quantity", minimum=0)
            else:
                quantity = c.integer(pt_obj.get("quantity"), f"{path}.processing_time.quantity", minimum=1,
                                     what=("số nguyên dương", "a positive integer"))
            note = c.text(pt_obj.get("note"), f"{path}.processing_time.note", required=False)
            if unit is not None and quantity is not None:
                pt = ProcessingTime(quantity, unit, note)
    note = c.text(item.get("note"), f"{path}.note", required=False)
    if len(c.errors) != before or kind is None or fee is None or pt is None:
        return None
    return Channel(kind, fee, pt, note)


def _document(c: _Checker, raw: Any, path: str) -> DocumentRequirement | None:
    item = c.obj(raw, path)
    if item is None:
        return None
    before = len(c.errors)
    c.unknown_keys(item, _DOC_KEYS, path)
    name = c.text(item.get("name"), f"{path}.name")
    counts = {}
    for key in ("originals", "certified_copies", "photocopies"):
        counts[key] = c.integer(item.get(key, 0), f"{path}.{key}", minimum=0, maximum=20) or 0
    show = c.boolean(item.get("show_original"), f"{path}.show_original", False)
    required = c.boolean(item.get("required"), f"{path}.required", True)
    form = c.text(item.get("form"), f"{path}.form", required=False)
    note = c.text(item.get("note"), f"{path}.note", required=False)
    if len(c.errors) == before and not show and not any(counts.values()):
        c.error(path, "giấy tờ phải có số bản (bản chính, bản sao chứng thực, bản chụp) hoặc show_original",
                "a document needs a number of originals, certified copies or photocopies, or show_original")
    if len(c.errors) != before or name is None:
        return None
    return DocumentRequirement(name=name, show_original=show, required=required, form=form, note=note, **counts)


# ------------------------------------------------------------------------ search


class SearchIndex(_TextIndex):
    """The text index (vnsearch) built from a parsed catalogue."""

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> SearchIndex:
        fields = {f.code: f for f in catalog.fields}
        items = []
        for p in catalog.procedures:
            extra = list(p.keywords)
            f = fields.get(p.field)
            if f is not None:
                extra += [f.name.vi, f.name.en]
            items.append((p.code, p.name.vi, p.name.en, extra, p))
        return cls.from_items(items)


def search(catalog_or_index: Catalog | SearchIndex, query: str, limit: int = 20) -> list[SearchHit]:
    """Procedures matching `query` (diacritics optional, or a code such as 1.001193), best first."""
    index = catalog_or_index.index if isinstance(catalog_or_index, Catalog) else catalog_or_index
    return index.search(query, limit)


__all__ = [
    "FORMAT", "Text", "Level", "ChannelKind", "FieldOfWork", "QueueService", "CounterService", "CounterPlan",
    "Fee", "ProcessingTime", "Channel", "DocumentRequirement", "Procedure", "Hall", "Catalog", "Issue",
    "CatalogInvalid", "CatalogReport", "check_catalog", "parse_catalog", "fold", "SearchHit", "SearchIndex",
    "search", "TimeUnit", "LEVEL_NAMES", "CHANNEL_NAMES", "UNIT_NAMES",
]
