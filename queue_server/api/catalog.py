"""The procedure catalogue for kiosks and web pages (public, cacheable by version).

    GET /api/v1/catalog?site=CODE            the whole catalogue; ETag = its version,
                                             If-None-Match answers 304 Not Modified
    GET /api/v1/catalog/procedures/{code}    one procedure
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response

from queue_server.api.deps import get_ctx, optional_actor
from queue_server.api.types import SiteParam
from queue_server.services import admin
from queue_server.services import catalog as catalog_service
from queue_server.services.context import Actor, Context

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


def _site(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    if site in (None, "") and who.site_id is not None:
        return admin.resolve_site(ctx, who.site_id)
    return admin.resolve_site(ctx, site)


def _matches(request: Request, etag: str) -> bool:
    sent = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in sent.split(",") if tag.strip())


@router.get("", responses={304: {"description": "The kiosk's cached copy is current"}})
def whole_catalog(request: Request, response: Response, site: SiteParam = None,
                  who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> Any:
    """Fields, procedures (with the service id each one queues for) and the version."""
    s = _site(ctx, who, site)
    etag = f'"{catalog_service.catalog_version(ctx, s)}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    body = catalog_service.site_catalog(ctx, s)
    etag = f'"{body["version"]}"'  # an import may have landed between the two reads
    response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
    return body


@router.get("/procedures/{code}")
def one_procedure(code: str = Path(max_length=40, pattern=r"^[^\x00]*$"), site: SiteParam = None, who: Actor = Depends(optional_actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return catalog_service.get_procedure(ctx, _site(ctx, who, site), code)
