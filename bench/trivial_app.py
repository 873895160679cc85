"""The yardstick of `queue.stack_ratio`: a FastAPI endpoint that does one SQLite INSERT and
nothing else, run by uvicorn with exactly the options `motcua serve` uses.

`python -m bench.trivial_app --port P --data DIR [--workers N]`.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import threading

from fastapi import FastAPI

DB_ENV = "MOTCUA_TRIVIAL_DB"
_local = threading.local()


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(os.environ[DB_ENV], timeout=15, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


def app_factory() -> FastAPI:
    app = FastAPI()

    @app.post("/hit")
    def hit() -> dict[str, int]:
        cur = _conn().execute("INSERT INTO hits (at) VALUES (strftime('%s','now'))")
        return {"id": cur.lastrowid}

    return app


def main() -> None:
    import uvicorn

    from queue_server.cli.server import uvicorn_options

    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args()
    path = os.path.join(args.data, "trivial.db")
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at INTEGER)")
    os.environ[DB_ENV] = path
    uvicorn.run("bench.trivial_app:app_factory", factory=True, host="127.0.0.1", port=args.port,
                **uvicorn_options(workers=args.workers, log_level="warning"))


if __name__ == "__main__":
    main()
