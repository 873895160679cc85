"""The web pages: clerk console, hall display, counter display (static HTML + small JS modules).

    /                         links to every page of the hall
    /console                  clerk console (login, counter, actions, live queue)
    /supervisor               the supervisor's live monitor (alerts, services, counters, devices)
    /supervisor/feedback      the supervisor's inbox of citizens' feedback and petitions
    /feedback                 a citizen sends feedback or a petition, reads the answer by its code
    /remote                   a citizen takes a number from a phone (api/remote.py)
    /admin                    administration: site, services, counters, users, devices, audit trail
    /setup                    the first start: the first administrator (only while there is no user)
    /display/hall             hall display (TV); options in its URL, see docs/web.md
    /display/counter/3        the small screen above counter 3
    /static/...               CSS, JS and fonts (no build step)

Pages are plain files from queue_server/web/; they talk to the JSON API and the event
stream like any other client. Every response carries a strict Content-Security-Policy
(scripts and styles only from this server, api/headers.py), and `no-cache` so a hall PC
picks up a new version at the next load while still revalidating by ETag.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from queue_server.api.announcements import voice_of

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
PAGES_DIR = WEB_DIR / "pages"
STATIC_DIR = WEB_DIR / "static"
FONTS_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"

# Content-Security-Policy, nosniff, Referrer-Policy and frame protection: api/headers.py, on every response
PAGE_HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)
_static = StaticFiles(directory=STATIC_DIR)
_fonts = StaticFiles(directory=FONTS_DIR)


def _page(name: str) -> FileResponse:
    return FileResponse(PAGES_DIR / name, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/")
def index() -> FileResponse:
    return _page("index.html")


@router.get("/console")
def console() -> FileResponse:
    return _page("console.html")


@router.get("/supervisor")
def supervisor() -> FileResponse:
    """The supervisor's live monitor (the page signs in; its API refuses anyone below supervisor)."""
    return _page("supervisor.html")


@router.get("/reports")
def reports() -> FileResponse:
    """Queue reports with charts and exports (the page signs in; its API refuses anyone below supervisor)."""
    return _page("reports.html")


@router.get("/supervisor/feedback")
def supervisor_feedback() -> FileResponse:
    """The inbox of feedback and petitions (the page signs in; its API refuses anyone below supervisor)."""
    return _page("supervisor-feedback.html")


@router.get("/feedback")
def feedback() -> FileResponse:
    """Phản ánh, kiến nghị: a citizen's phone (or the hall's PC) sends one and reads the answer."""
    return _page("feedback.html")


@router.get("/admin")
def administration() -> FileResponse:
    """The administration page (it signs in; its API refuses anyone below supervisor, and
    every change needs the admin role)."""
    return _page("admin.html")


@router.get("/setup")
def first_start_setup() -> FileResponse:
    """The first start: create the first administrator while the database has no user."""
    return _page("setup.html")


@router.get("/display/hall")
def hall_display(request: Request) -> FileResponse:
    voice_of(request.app)  # start loading the voice clips before the first call
    return _page("hall.html")


@router.get("/display/counter/{number}")
def counter_display(number: int) -> FileResponse:
    return _page("counter.html")


async def _serve(files: StaticFiles, path: str, request: Request) -> Response:
    response = await files.get_response(path, request.scope)
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/static/fonts/{path:path}")
async def fonts(path: str, request: Request) -> Response:
    response = await _serve(_fonts, path, request)
    response.headers["Cache-Control"] = "public, max-age=604800"  # fonts never change under one name
    return response


@router.get("/static/{path:path}")
async def static(path: str, request: Request) -> Response:
    return await _serve(_static, path, request)
