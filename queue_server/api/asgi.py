"""ASGI entry point for uvicorn workers: settings from MOTCUA_CONFIG and MOTCUA_* variables."""

from __future__ import annotations

from fastapi import FastAPI

from queue_server.api.app import create_app
from queue_server.api.request_log import configure_logging
from queue_server.config import load_settings


def app_factory() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_format)  # in each worker process: text or JSON lines
    return create_app(settings)
