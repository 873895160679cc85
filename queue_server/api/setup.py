"""The first start: GET /api/v1/setup says whether the server still has no user; POST creates
the first administrator (and the site, when there is none). Open to anyone only while the
database has no user at all (the /setup page); refused (409) ever after."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from queue_server.api.admin import TZ_NAME
from queue_server.api.deps import get_ctx
from queue_server.api.types import NO_NUL
from queue_server.services.admin import first_start
from queue_server.services.context import Context

router = APIRouter(prefix="/api/v1/setup", tags=["setup"])


class SetupSite(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    agency_code: str = Field(default="", max_length=40, pattern=NO_NUL)
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=60, pattern=TZ_NAME)


class SetupBody(BaseModel):
    username: str = Field(min_length=1, max_length=80, pattern=NO_NUL)
    password: str = Field(min_length=8, max_length=200, pattern=NO_NUL)
    full_name: str = Field(default="", max_length=200, pattern=NO_NUL)
    site: SetupSite | None = None


@router.get("")
def setup_state(ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return first_start.needed(ctx)


@router.post("", status_code=201)
def first_admin(body: SetupBody, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return first_start.create_first_admin(ctx, username=body.username, password=body.password,
                                          full_name=body.full_name,
                                          site=body.site.model_dump() if body.site else None)
