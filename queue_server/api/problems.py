"""Errors as JSON problem details (RFC 9457) with a human message, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from queue_server.api.request_log import request_id_of
from queue_server.services.errors import ServiceError
from queue_server.store.engine import DatabaseUnavailable

logger = logging.getLogger(__name__)

TITLES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Chưa đăng nhập", "Not logged in"),
    403: ("Không có quyền", "Forbidden"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    409: ("Không thực hiện được lúc này", "Conflict"),
    422: ("Dữ liệu không hợp lệ", "Invalid data"),
    429: ("Quá nhiều yêu cầu", "Too many requests"),
    500: ("Lỗi hệ thống", "Internal error"),
    503: ("Tạm thời không phục vụ được", "Service unavailable"),
}


def problem(status: int, detail_vi: str, detail_en: str = "", *, code: str = "", headers: dict[str, str] | None = None,
            request: Request | None = None, **extra: Any) -> JSONResponse:
    title_vi, title_en = TITLES.get(status, ("Lỗi", "Error"))
    body = {"type": f"https://motcua.example/problems/{code or status}", "title": title_vi, "title_en": title_en,
            "status": status, "detail": detail_vi, "detail_en": detail_en or detail_vi, **extra}
    rid = request_id_of(request) if request is not None else ""
    if rid:  # the id an IT officer finds in the server's log ("mã sự cố")
        body["request_id"] = rid
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    """`applicant.name`, `documents[0].originals`: the names the forms mark (as the services' FieldError)."""
    name = ""
    for part in loc:
        if part in ("body", "query", "path", "header", "cookie") and not name:
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        elif not isinstance(part, str) or "[" in part or part.startswith("function-"):
            continue  # pydantic's names of union members and validators, not fields
        else:
            name += ("." if name else "") + part
    return name or "body"


# pydantic's error kinds in Vietnamese; the English is pydantic's own message
_MESSAGES_VI = {
    "missing": "thiếu thông tin bắt buộc",
    "string_type": "phải là chuỗi ký tự",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "bool_type": "phải là đúng/sai (true/false)",
    "bool_parsing": "phải là đúng/sai (true/false)",
    "list_type": "phải là danh sách",
    "dict_type": "phải là một đối tượng (các trường)",
    "model_type": "phải là một đối tượng (các trường)",
    "model_attributes_type": "phải là một đối tượng (các trường)",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "string_too_long": "dài quá {max_length} ký tự",
    "too_short": "cần ít nhất {min_length} mục",
    "too_long": "nhiều quá {max_length} mục",
    "string_pattern_mismatch": "có ký tự hoặc dạng không được phép",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm dạng ISO 8601",
    "datetime_type": "phải là thời điểm dạng ISO 8601",
    "json_invalid": "không phải JSON hợp lệ",
    "json_type": "không phải JSON hợp lệ",
    "extra_forbidden": "không được phép gửi trường này",
}


def _message_vi(error: dict[str, Any]) -> str:
    template = _MESSAGES_VI.get(error.get("type", ""), "không hợp lệ")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split(":")[0].split("{")[0].strip()


def field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """Each refused field: {field, message (Vietnamese), message_en} (the services' FieldError shape)."""
    out = []
    for e in exc.errors():
        out.append({"field": _field_name(tuple(e.get("loc", ()))), "message": _message_vi(e),
                    "message_en": str(e.get("msg", ""))})
    return out


RANGE = ("Có một số quá lớn hoặc quá nhỏ so với giới hạn cho phép.", "A number is outside the allowed range.")
NUL = ("Dữ liệu có ký tự NUL (mã 0), không xử lý được.", "The data contains a NUL character (code 0).")


def _refused_value(exc: BaseException) -> tuple[str, str] | None:
    """What the database refused to store, when it is the caller's data: a number past 64 bits
    (SQLite's driver) or SQLSTATE 22003 (PostgreSQL), or a NUL character, which PostgreSQL
    text cannot hold (psycopg refuses it before sending)."""
    if isinstance(exc, OverflowError):
        return RANGE
    if isinstance(exc, DBAPIError):
        if getattr(exc.orig, "sqlstate", None) == "22003":
            return RANGE
        if "NUL (0x00)" in str(exc.orig):
            return NUL
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        extra = {k: v for k, v in exc.extra.items() if k != "retry_after"}
        rid = request_id_of(request)
        logger.info("refused %s %s: %s id=%s", exc.status, exc.code, exc.message_en, rid,
                    extra={"outcome": "refused", "code": exc.code, "status": exc.status, "request_id": rid})
        return problem(exc.status, exc.message_vi, exc.message_en, code=exc.code, headers=headers, request=request,
                       **extra)

    @app.exception_handler(DatabaseUnavailable)
    async def _db_down(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        logger.warning("database unavailable: %s id=%s", exc, request_id_of(request))
        figures = getattr(request.app.state, "metrics", None)
        if figures is not None:
            figures.database_errors.inc()
        return problem(503, "Cơ sở dữ liệu tạm thời không kết nối được. Vui lòng thử lại sau giây lát.",
                       "The database cannot be reached right now. Please retry in a moment.",
                       code="database_unavailable", headers={"Retry-After": "5"}, request=request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc)
        names = ", ".join(dict.fromkeys(e["field"] for e in errors))
        first = errors[0] if errors else {"field": "body", "message": "", "message_en": ""}
        return problem(422, f"Dữ liệu không hợp lệ ở: {names} ({first['field']} {first['message']}).",
                       f"Invalid data in: {names} ({first['field']}: {first['message_en']}).", code="invalid",
                       request=request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title_vi, title_en = TITLES.get(exc.status_code, ("Lỗi", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) else title_en
        return problem(exc.status_code, title_vi if detail == title_en or exc.status_code == 404 else detail, detail,
                       headers=getattr(exc, "headers", None), request=request)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DBAPIError)
    async def _database_refused(request: Request, exc: Exception) -> JSONResponse:
        refused = _refused_value(exc)
        if refused is None:
            raise exc  # on to the 500 below
        # a value no column can hold, in a field the API does not check: the transaction
        # rolled back, so nothing was written; the caller sent bad data, it is not our bug
        logger.warning("value refused by the database: %s", str(exc).splitlines()[0])
        return problem(422, *refused, code="invalid", request=request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid = request_id_of(request)
        logger.exception("unhandled error id=%s", rid, extra={"outcome": "error", "request_id": rid})
        # this answer is made outside the request-log middleware: it names its id itself
        return problem(500, f"Đã có lỗi hệ thống; sự cố {rid} đã được ghi lại.",
                       f"Internal error; incident {rid} has been logged.", code="internal", request=request,
                       headers={"X-Request-ID": rid} if rid else None)
