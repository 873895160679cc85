"""The event stream (Server-Sent Events) and the event log as JSON pages."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from queue_server.api.deps import INT8_MAX, actor, get_ctx, optional_actor, request_token, still_valid
from queue_server.api.types import SiteParam
from queue_server.events import log, projection
from queue_server.events.hub import EventHub, Filter
from queue_server.events.log import EventRecord
from queue_server.services import admin, auth
from queue_server.services.context import Actor, Context
from queue_server.services.errors import InvalidInput

router = APIRouter(prefix="/api/v1/events", tags=["events"])

HEARTBEAT_S = 15.0
REVOCATION_CHECK_S = 0.25  # a signed-in stream looks this often whether revocations happened
# ": ready" follows ": connected" this much later, in a write of its own: a screen counts its
# stream as live only once it arrives, so a proxy that passes the first bytes and then holds
# the rest in a buffer shows up at once as a stale screen (and to `motcua doctor`).
READY_AFTER_S = 0.5


def _filter(ctx: Context, who: Actor, site: str | None, kinds: str | None) -> Filter:
    site_ids = None
    if site:
        site_ids = frozenset({admin.resolve_site(ctx, site).id})
    elif who.site_id is not None:
        site_ids = frozenset({who.site_id})
    kind_list = tuple(k.strip() for k in (kinds or "").split(",") if k.strip())
    # staff see every event of their site; everyone else (anonymous, displays, kiosks, the
    # agent) only the public form of the kinds that have one (events/projection.py)
    public_only = not projection.is_staff(who.kind, who.role)
    only = projection.staff_kinds(who.kind, who.role)
    if only is not None:  # a processor: the staff form of dossier events, nothing else
        kind_list = tuple(k for k in kind_list if k.startswith(only)) or only
        public_only = False
    return Filter(site_ids=site_ids, kinds=kind_list, public_only=public_only)


_FRAMES: OrderedDict[tuple[int, bool], bytes] = OrderedDict()


def _frame(event: EventRecord, public: bool) -> bytes:
    """The SSE frame of an event in one audience's form, encoded once for all the screens
    of that audience. A public subscriber only reaches here with a kind that has a public
    form (the hub's filter), so `event_for` never answers None."""
    frame = _FRAMES.get((event.id, public))
    if frame is None:
        payload = json.dumps(projection.event_for(event, staff=not public), ensure_ascii=False,
                             separators=(",", ":"))
        frame = f"id: {event.id}\ndata: {payload}\n\n".encode()
        _FRAMES[(event.id, public)] = frame
        if len(_FRAMES) > 4096:
            _FRAMES.popitem(last=False)
    return frame


def _frame_or_keep_alive(event: EventRecord | None, public: bool) -> bytes:
    return b": keep-alive\n\n" if event is None else _frame(event, public)


def _parse_cursor(ctx: Context, raw: str | None) -> tuple[int, int] | None:
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > INT8_MAX:
        raise InvalidInput("Last-Event-ID phải là số thứ tự của một sự kiện.", "Last-Event-ID must be an event number.",
                           field="last_event_id")
    event_id = int(raw)
    if event_id == 0:
        return (0, 0)
    with ctx.db.reading() as session:
        cursor = log.cursor_of(session, event_id)
    if cursor is None:
        # unknown id (e.g. a database restored from backup): resume from that id on
        return (0, event_id)
    return cursor


@router.get("", summary="Live stream of events (text/event-stream)")
async def stream(request: Request, site: SiteParam = None,
                 kinds: str | None = Query(default=None, max_length=400, pattern=r"^[a-z_.,\s]*$",
                                           description="comma-separated kinds or prefixes, e.g. ticket.,counter."),
                 last_event_id: str | None = Query(default=None, max_length=20),
                 last_event_id_header: str | None = Header(default=None, alias="Last-Event-ID", max_length=20),
                 who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> StreamingResponse:
    """Every event after Last-Event-ID (header or query), in order, then live ones, forever.

    Without an id the stream starts now. Filters: `site` (id or code), `kinds`
    (comma-separated kinds or prefixes such as `ticket.`).
    """
    hub: EventHub = request.app.state.hub
    flt = _filter(ctx, who, site, kinds)
    cursor = await asyncio.to_thread(_parse_cursor, ctx, last_event_id_header or last_event_id)

    token = request_token(request) if who.kind != "anonymous" else None

    async def body() -> AsyncIterator[bytes]:
        # Starlette cancels this generator when the client goes away. A live-only stream starts
        # at the hub's cursor of now, taken before ": connected" goes out: whatever commits
        # after a client reads it is on the stream (taken when the subscription first ran, an
        # event the hub took in between was lost to a client that acted on ": connected")
        start = hub.cursor if cursor is None else cursor
        yield b"retry: 1000\n: connected\n\n"
        events = hub.subscribe(start, flt, heartbeat=HEARTBEAT_S).__aiter__()
        loop = asyncio.get_running_loop()
        ready_at: float | None = loop.time() + READY_AFTER_S
        # a signed-in stream ends once its session is logged out, its device revoked or its
        # user deactivated (on any process: the revocation generation changes everywhere)
        generation = auth.known_generation()
        pending = asyncio.ensure_future(events.__anext__())
        try:
            while ready_at is not None or token is not None:
                timeout = REVOCATION_CHECK_S if token is not None else None
                if ready_at is not None:
                    left = max(0.0, ready_at - loop.time())
                    timeout = left if timeout is None else min(timeout, left)
                done, _ = await asyncio.wait({pending}, timeout=timeout)
                if ready_at is not None and loop.time() >= ready_at:
                    ready_at = None
                    yield b": ready\n\n"
                if token is not None and auth.known_generation() != generation:
                    generation = auth.known_generation()
                    if not await still_valid(request, token):
                        return
                if not done:
                    continue
                try:
                    event = pending.result()
                except StopAsyncIteration:
                    return
                yield _frame_or_keep_alive(event, flt.public_only)
                pending = asyncio.ensure_future(events.__anext__())
            # anonymous, once ready: nothing to check between events, so plain iteration
            try:
                event = await pending
            except StopAsyncIteration:
                return
            yield _frame_or_keep_alive(event, flt.public_only)
            async for event in events:
                yield _frame_or_keep_alive(event, flt.public_only)
        finally:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
            with contextlib.suppress(Exception):
                await events.aclose()

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/log")
def event_log(after: int = Query(default=0, ge=0, le=INT8_MAX), limit: int = Query(default=200, ge=1, le=1000),
              site: SiteParam = None, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The audit trail, oldest first, a page at a time (supervisors)."""
    admin.require(who, "supervisor")
    flt = _filter(ctx, who, site, None)
    with ctx.db.reading() as session:
        cursor = log.cursor_of(session, after) if after else (0, 0)
        events = log.read_after(session, cursor or (0, after), limit=limit, site_ids=flt.site_ids)
    return {"events": [e.as_json() for e in events], "next_after": events[-1].id if events else after}
