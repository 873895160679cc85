"""The remote numbers' rate limits (taking numbers, check-in attempts): the shared database
counters (services/rate_counters.py) under the "remote:" prefix, keyed by a hash of the client."""

from __future__ import annotations

import hashlib

from queue_server.services.rate_counters import bump, count, seconds_left


def key(kind: str, client: str) -> str:
    return f"remote:{kind}:" + hashlib.sha256(client.encode()).hexdigest()[:32]


__all__ = ["bump", "count", "key", "seconds_left"]
