"""`GET /metrics`: the server's figures in Prometheus' text format (services/metrics.py).

Guarded by the configuration (`metrics`): "off" answers 404, "open" answers anyone (or only
the addresses of `metrics_allow`), "token" wants `Authorization: Bearer <metrics_token>`.
The figures hold codes and counts only, never personal data.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from queue_server.api.client_address import client_address, parse_trusted
from queue_server.api.offload import run
from queue_server.api.problems import problem
from queue_server.services.metrics import CONTENT_TYPE, Metrics

router = APIRouter(tags=["metrics"])


def _allowed(address: str, allow: str) -> bool:
    import ipaddress

    networks = parse_trusted(allow)
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in networks)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    settings = request.app.state.ctx.settings
    if settings.metrics == "off":
        return problem(404, "Số liệu theo dõi (metrics) đang tắt; bật bằng cấu hình metrics = \"open\" hoặc \"token\".",
                       "Metrics are off; turn them on with metrics = \"open\" or \"token\" (MOTCUA_METRICS).",
                       code="metrics_off", request=request)
    if settings.metrics == "token":
        given = request.headers.get("authorization", "")
        expected = f"Bearer {settings.metrics_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return problem(401, "Cần mã truy cập số liệu (Authorization: Bearer <metrics_token>).",
                           "A metrics token is needed (Authorization: Bearer <metrics_token>).",
                           code="metrics_token", headers={"WWW-Authenticate": "Bearer"}, request=request)
    if not _allowed(client_address(request), settings.metrics_allow):
        return problem(403, "Địa chỉ này không được đọc số liệu theo dõi (metrics_allow).",
                       "This address may not read the metrics (metrics_allow).", code="metrics_address",
                       request=request)
    figures: Metrics = request.app.state.metrics
    return Response(await run(figures.exposition), media_type=CONTENT_TYPE)
