"""The citizen's phone: the live position page that the slip's QR opens.

    /t/{id}?k=KEY             one ticket's live position (the key is printed in the QR)
    /t/sw.js                  the page's service worker (shows the "you are called" notification
                              where the browser allows notifications only through one, e.g. Android)
    /phone/static/{name}      its script and style sheet (queue_server/web/phone/)

The page is rendered with the ticket's code, service and state already in it (readable
before any script runs), then `phone.js` keeps it live from the anonymous event stream and
the position answer. A wrong or missing key, a malformed id and an unknown ticket all get
the very same 404 page: the answer never tells whether a ticket exists.
"""

from __future__ import annotations

import hmac
import json
from html import escape
from pathlib import Path
from string import Template

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from queue_server.api.deps import get_ctx
from queue_server.api.pages import PAGE_HEADERS
from queue_server.services.auth import ticket_key
from queue_server.services.context import Context
from queue_server.services.errors import NotFound
from queue_server.services.queue import hall
from queue_server.store.tables import INT8_MAX

PHONE_DIR = Path(__file__).resolve().parents[1] / "web" / "phone"
# the key and the ticket are in the address: nothing is cached, nothing is sent on as a referrer
HEADERS = {**PAGE_HEADERS, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex"}
STATIC = {"phone.js": "text/javascript; charset=utf-8", "phone.css": "text/css; charset=utf-8",
          "messages.js": "text/javascript; charset=utf-8"}

router = APIRouter(include_in_schema=False)


_TEMPLATE = Template((PHONE_DIR / "ticket.html").read_text(encoding="utf-8"))
_NOT_FOUND = (PHONE_DIR / "notfound.html").read_bytes()


def not_found_page() -> Response:
    """The one answer for every ticket the caller may not see (unknown, wrong key, bad id)."""
    return Response(_NOT_FOUND, status_code=404, media_type="text/html; charset=utf-8", headers=HEADERS)


def _ticket_id(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= INT8_MAX else None


def _key_ok(secret: bytes, ticket_id: int, key: str) -> bool:
    # compared as bytes: a key with letters outside ASCII is simply a wrong key
    return hmac.compare_digest(key.encode(), ticket_key(secret, ticket_id).encode())


def _json_for_script(data: object) -> str:
    """JSON safe inside <script type="application/json"> (no "</script>", no HTML comment)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.get("/t/sw.js")
def service_worker() -> FileResponse:
    return FileResponse(PHONE_DIR / "sw.js", media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                                 "Service-Worker-Allowed": "/t/"})


@router.get("/t/{ticket_id}")
def position_page(ticket_id: str, request: Request, ctx: Context = Depends(get_ctx)) -> Response:
    key = request.query_params.get("k", "")
    tid = _ticket_id(ticket_id)
    if tid is None or not key or not _key_ok(request.app.state.secret, tid, key):
        return not_found_page()
    try:
        position = hall.ticket_position(ctx, tid)
    except NotFound:
        return not_found_page()
    ticket = position["ticket"]
    # only what the page shows: the citizen's own code, service, state and counter (no priority class)
    initial = {
        "ticket": {k: ticket.get(k) for k in ("id", "code", "service_id", "service_code", "service_name_vi",
                                              "service_name_en", "state", "counter_number", "call_count",
                                              "business_day", "transfer_origin_id")},
        "state_vi": position.get("state_vi"),
        "people_ahead": position.get("people_ahead"),
        "estimated_wait_s": position.get("estimated_wait_s"),
        "site_id": position.get("site_id"),
        "now": position.get("now"),
        # the hall sends text messages (a webhook to its SMS gateway): the page offers them
        "messages": bool(ctx.settings.webhook_url),
        "remote": position.get("remote"),  # the holder's check-in code and window (the key was checked)
    }
    page = _TEMPLATE.substitute(
        code=escape(ticket["code"]),
        service=escape(ticket.get("service_name_vi") or ""),
        state=escape(ticket["state"]),
        state_vi=escape((position.get("state_vi") or "").capitalize()),
        initial=_json_for_script(initial),
    )
    return HTMLResponse(page, headers=HEADERS)


@router.get("/phone/static/{name}")
def static(name: str) -> Response:
    media = STATIC.get(name)
    if media is None:
        raise NotFound("Không tìm thấy tệp.", "File not found.")
    return FileResponse(PHONE_DIR / name, media_type=media,
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})
