"""One log line per request, with a request id that the answer carries too.

`RequestLog` is a pure ASGI middleware (no per-request objects beyond a closure): it takes
the proxy's `X-Request-ID` when it looks like one (nginx's `$request_id`, so both logs name
the same request) or makes one, puts it in `scope["state"]["request_id"]` for the problem
answers (`request_id` in every problem body, the "sự cố" id of a 500), answers it in an
`X-Request-ID` header, and logs `method path status duration id` when the answer is done.
A change that was made (a write answered 2xx) also gets its use case outcome line on
`motcua.outcome`: `done use_case route status id`; refusals have theirs from the problem
answers (`refused status code`), and internal errors their incident.

`configure_logging(log_format)` sets the process's root logger: plain text lines, or one
JSON object per line (`log_format = "json"`) for journald or a log collector.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from typing import Any

logger = logging.getLogger("motcua.request")
outcomes = logging.getLogger("motcua.outcome")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_VALID_ID = re.compile(rb"[A-Za-z0-9._-]{8,64}")
HEADER = b"x-request-id"


def request_id_of(scope_or_request: Any) -> str:  # noqa: ANN401 - a Starlette Request or an ASGI scope
    scope = getattr(scope_or_request, "scope", scope_or_request)
    return (scope.get("state") or {}).get("request_id", "")


class RequestLog:
    def __init__(self, app: Any) -> None:  # noqa: ANN401
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:  # noqa: ANN401
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for name, value in scope["headers"]:
            if name == HEADER:
                if _VALID_ID.fullmatch(value):
                    rid = value.decode()
                break
        if not rid:
            rid = os.urandom(8).hex()
        state = scope.get("state")
        if state is None:
            scope["state"] = state = {}
        state["request_id"] = rid
        started = time.perf_counter()
        status = 0
        header_value = rid.encode()

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, header_value)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if 200 <= status < 300 and scope["method"] in _WRITES and outcomes.isEnabledFor(logging.INFO):
                # a change that was made: the use case (the route's function) and what it was asked on
                # (a refusal has its own line from the problem answers, an error its incident)
                use_case = getattr(scope.get("endpoint"), "__name__", "")
                route = getattr(scope.get("route"), "path", scope["path"])
                outcomes.info("done %s %s %s id=%s", use_case, route, status, rid,
                              extra={"outcome": "done", "use_case": use_case, "route": route, "status": status,
                                     "path": scope["path"], "request_id": rid})
            elapsed = time.perf_counter() - started
            figures = getattr(getattr(scope.get("app"), "state", None), "metrics", None)
            if figures is not None:
                # the route's template, never the raw path (made-up paths make no new series)
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                figures.request_done(scope["method"], route, elapsed)
            if logger.isEnabledFor(logging.INFO):
                ms = elapsed * 1000
                logger.info("%s %s %s %.1fms id=%s", scope["method"], scope["path"], status or 500, ms, rid,
                            extra={"method": scope["method"], "path": scope["path"], "status": status or 500,
                                   "duration_ms": round(ms, 1), "request_id": rid})


_FIELDS = ("method", "path", "status", "duration_ms", "request_id", "outcome", "code", "use_case", "route")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
        }
        for key in _FIELDS:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
