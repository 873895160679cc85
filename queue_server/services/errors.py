"""Errors a use case raises; each carries a message for people, Vietnamese first."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message_vi: str, message_en: str = "", **extra: Any) -> None:
        super().__init__(message_en or message_vi)
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.extra = extra


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The request is valid but the hall's state does not allow it now."""

    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


def not_found(what_vi: str, what_en: str, ident: object) -> NotFound:
    return NotFound(f"Không tìm thấy {what_vi} {ident}.", f"{what_en} {ident} not found.", ident=str(ident))
