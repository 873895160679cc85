"""A site's dispatch policy as stored (JSON on the site row) and as the domain wants it."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from queue_server.domain import dispatch
from queue_server.services.errors import InvalidInput
from queue_server.store.tables import Site

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
