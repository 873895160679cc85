"""Citizens' feedback and petitions (phản ánh, kiến nghị).

    GET  /api/v1/petitions/options           categories, states, limits, the receiving hall (public)
    POST /api/v1/petitions                   {category, text, name?, phone?}; ?site= (public: a
                                             phone, the /feedback page, a kiosk) -> 201 with the code
    GET  /api/v1/petitions/lookup?code=      the citizen reads the answer back (public, no name/phone)
    GET  /api/v1/petitions?state=&category=&page=&page_size=&site=    the inbox (supervisor+)
    GET  /api/v1/petitions/{id}              one, with its contact (supervisor+; the reading is logged)
    POST /api/v1/petitions/{id}/state        {state}
    POST /api/v1/petitions/{id}/answer       {answer, close?}

Pages: /feedback (citizens) and /supervisor/feedback (the inbox), in api/pages.py.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from queue_server.api.client_address import client_address
from queue_server.api.deps import BigId, actor, get_ctx, optional_actor
from queue_server.api.types import SiteParam, text
from queue_server.services import admin
from queue_server.services.context import Actor, Context
from queue_server.services.feedback import petitions

router = APIRouter(prefix="/api/v1/petitions", tags=["petitions"])

Category = Literal["procedure", "staff_attitude", "facilities", "waiting_time", "other"]
State = Literal["new", "in_progress", "answered", "closed"]


PetitionText = text(4000, min_length=1)  # the service says what is too short or long, in words
ContactName = text(200)
ContactPhone = text(30)
AnswerText = text(8000, min_length=1)


class PetitionBody(BaseModel):
    category: Category
    text: PetitionText = Field(description="What the citizen reports or asks (10 to 2000 characters)")
    name: ContactName = Field(default="", description="Only when the citizen wants an answer")
    phone: ContactPhone = Field(default="", description="Only when the citizen wants an answer")


class StateBody(BaseModel):
    state: State


class AnswerBody(BaseModel):
    answer: AnswerText
    close: bool = False


def _client(request: Request, who: Actor) -> str:
    if who.kind == "device":
        return f"device:{who.id}"
    if who.kind == "user":
        return f"user:{who.id}"
    return "ip:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:24]


def _site(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    return admin.resolve_site(ctx, who.site_id if site in (None, "") and who.site_id is not None else site)


@router.get("/options")
def options(site: SiteParam = None, who: Actor = Depends(optional_actor),
            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return petitions.options(_site(ctx, who, site))


@router.post("", status_code=201)
def submit(body: PetitionBody, request: Request, response: Response, site: SiteParam = None,
           who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Send a petition; the answer's `code` is what the citizen reads the answer back with."""
    response.headers["Cache-Control"] = "no-store"
    s = _site(ctx, who, site)
    return petitions.submit(ctx, who, client=_client(request, who), site_id=s.id, category=body.category,
                            text=body.text, name=body.name, phone=body.phone)


@router.get("/lookup")
def lookup(request: Request, response: Response, code: str = Query(default="", max_length=40),
           who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The state and answer of the petition with this code (never the name or phone)."""
    response.headers["Cache-Control"] = "no-store"
    return petitions.read_back(ctx, code=code, client=_client(request, who))


@router.get("")
def inbox(site: SiteParam = None, state: State | None = None, category: Category | None = None,
          page: int = Query(default=1, ge=1, le=100000), page_size: int = Query(default=20, ge=1, le=100),
          who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    petitions.require_supervisor(who)
    return petitions.inbox(ctx, who, _site(ctx, who, site).id, state=state, category=category, page=page,
                           page_size=page_size)


@router.get("/{petition_id}")
def detail(petition_id: BigId, response: Response, who: Actor = Depends(actor),
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    return petitions.detail(ctx, who, petition_id)


@router.post("/{petition_id}/state")
def change_state(petition_id: BigId, body: StateBody, who: Actor = Depends(actor),
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return petitions.change_state(ctx, who, petition_id, body.state)


@router.post("/{petition_id}/answer")
def answer(petition_id: BigId, body: AnswerBody, who: Actor = Depends(actor),
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return petitions.answer(ctx, who, petition_id, body.answer, close=body.close)
