"""ASGI entry point for uvicorn workers: settings from MOTCUA_CONFIG and MOTCUA_* variables."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from queue_server.api.app import create_app
from queue_server.api.request_log import configure_logging
from queue_server.config import load_settings


def app_factory() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_format)  # in each worker process: text or JSON lines
    app = create_app(settings)
    # What importing and building the app made (routes, models, tables: some 170,000 objects)
    # lives as long as the process. Out of the collector's sight, a full collection walks only
    # what requests made since, instead of stalling every open stream for 100 ms or more
    # (events.delivery_p99_ms.1000, docs/performance.md). Only here, in a server process:
    # tests build many apps in one process, and frozen garbage would never be freed.
    gc.collect()
    gc.freeze()
    return app
