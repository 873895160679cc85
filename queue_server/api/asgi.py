"""ASGI entry point for uvicorn workers: settings from MOTCUA_CONFIG and MOTCUA_* variables."""

from __future__ import annotations

from fastapi import FastAPI

from queue_server.api.app import create_app
from queue_server.config import load_settings


def app_factory() -> FastAPI:
    return create_app(load_settings())
