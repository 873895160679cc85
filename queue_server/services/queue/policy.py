"""A site's dispatch policy as stored (JSON on the site row) and as the domain wants it, and
the appointments' share of calls per service (dispatch rule 0) as their settings store it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.services.errors import InvalidInput
from queue_server.store.tables import AppointmentSetting, Site

_QUOTAS = select(AppointmentSetting.service_id, AppointmentSetting.rule).where(
    AppointmentSetting.service_id.in_(bindparam("ids", expanding=True)))

DEFAULT_POLICY: dict[str, Any] = {
    "mode": "ratio",
    "ratio_priority": 1,
    "ratio_normal": 2,
    "max_wait_seconds": 3600,
}


def dispatch_policy(site: Site) -> dispatch.DispatchPolicy:
    """The site's policy, checked and built once per distinct setting (every call reads it)."""
    return _policy(json.dumps(site.policy or {}, sort_keys=True))


@lru_cache(maxsize=256)
def _policy(stored: str) -> dispatch.DispatchPolicy:
    return dispatch.DispatchPolicy.from_mapping({**DEFAULT_POLICY, **json.loads(stored)})


def validate_policy(data: dict[str, Any]) -> dict[str, Any]:
    """Check a policy before it is stored; the error names the wrong setting."""
    merged = {**DEFAULT_POLICY, **data}
    try:
        dispatch.DispatchPolicy.from_mapping(merged)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Chính sách gọi số không hợp lệ: {exc}", f"Invalid dispatch policy: {exc}",
                           field="policy") from None
    return merged


def appointment_quotas(db: Session | Connection, service_ids: Sequence[int]) -> dict[int, int]:
    """Per service, how many of a counter's last APPOINTMENT_WINDOW calls its appointments may
    take (from its share_percent); one read by primary key, as many rows as services."""
    if not service_ids:
        return {}
    out = {}
    for sid, rule in db.execute(_QUOTAS, {"ids": list(service_ids)}):
        share = (rule or {}).get("share_percent")
        if isinstance(share, int) and not isinstance(share, bool):
            out[sid] = dispatch.appointment_quota(share)
    return out
