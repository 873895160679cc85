"""Running a use case (sync SQLAlchemy) off the event loop, for the hot endpoints.

A plain `def` endpoint costs FastAPI two hops to anyio's thread pool per request (the
endpoint, then validating its return value) and anyio's hop is the costlier kind (capacity
limiter, cancel scope). The hot endpoints are coroutines that hand their one use case to
this pool with a single `run_in_executor` (docs/performance.md, issue 16).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# As many threads as the engines' pools hold connections for at once (SQLite 8 + 16,
# PostgreSQL 10 + 20): more would only queue on the pool.
_pool = ThreadPoolExecutor(max_workers=24, thread_name_prefix="motcua-use-case")


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a worker thread; its result or its exception here."""
    call = functools.partial(fn, *args, **kwargs) if kwargs else (functools.partial(fn, *args) if args else fn)
    return await asyncio.get_running_loop().run_in_executor(_pool, call)
