"""The kiosk application (Kivy): screens, the top bar, the offline banner, idle return.

    app = KioskApp(load_config())
    app.run()                      # a window (or `motcua kiosk`)

Call `prepare_kivy(config, headless=...)` before Kivy is imported anywhere: it sets the
window size for the orientation, SDL's offscreen driver when headless (no X server, no
Xvfb), Kivy's home directory and the fonts with Vietnamese coverage.

Everything slow (HTTP, printing) runs on worker threads; results come back to the UI
thread through Kivy's clock. Nothing here imports the server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.config import KioskConfig

ASSETS = Path(__file__).resolve().parents[1] / "assets"
FONT_REGULAR = ASSETS / "fonts" / "DejaVuSansCondensed.ttf"
FONT_BOLD = ASSETS / "fonts" / "DejaVuSansCondensed-Bold.ttf"
HEARTBEAT_EVERY_S = 30.0  # the monitor calls a kiosk silent after minutes (device_silent_minutes)
logger = logging.getLogger(__name__)

_prepared = False


def prepare_kivy(config: KioskConfig, *, headless: bool = False) -> None:
    """Set up Kivy for this kiosk; must run before `kivy` is first imported."""
    global _prepared
    if _prepared:
        return
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    kivy_home = config.effective_cache_dir / "kivy"
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(kivy_home))
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # no probing for xclip/xsel
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    from kivy.config import Config

    logging.getLogger("kivy").addFilter(_HarmlessStartupNoise())
    width, height = config.size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "fullscreen", "auto" if config.fullscreen and not headless else "0")
    Config.set("graphics", "show_cursor", "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "warning")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    for key in list(Config.options("input")):  # no probing of touch devices we do not have
        if key != "mouse":
            Config.remove_option("input", key)
    for noisy in ("httpx", "httpcore", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
    _prepared = True


class _HarmlessStartupNoise:
    """Drops Kivy's two start-up complaints that mean nothing for a kiosk: no libmtdev (the
    touch screen reaches us through SDL) and no xclip/xsel for X11's cut buffer (no one
    pastes on a kiosk). Everything else Kivy says still shows."""

    NOISE = ("MTDev is not supported", "Unable to find any valuable Cutbuffer provider")

    def filter(self, record: object) -> bool:
        message = record.getMessage() if hasattr(record, "getMessage") else str(record)
        return not any(n in message for n in self.NOISE)


def save_png(path: Path | str) -> Path:
    """Draw the window now and save what it shows (works with SDL's offscreen driver)."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    Window.dispatch("on_draw")
    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(path)
    return path


def _build_app_class():  # noqa: ANN202 - the class needs Kivy, imported only after prepare_kivy
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.graphics import Color, RoundedRectangle
    from kivy.properties import BooleanProperty, StringProperty
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.image import Image as KivyImage
    from kivy.uix.screenmanager import NoTransition, ScreenManager
    from kivy.uix.widget import Widget

    from kiosk.cache import CatalogCache
    from kiosk.client import (
        CheckinNotFound,
        DossierNotFound,
        KioskClient,
        KioskError,
        NotAvailable,
        Offline,
        RateLimited,
    )
    from kiosk.screens import SCREENS
    from kiosk.strings import PRIORITIES, pick, t
    from kiosk.tickets import Issued, TicketFlow
    from kiosk.widgets import BG, PRIMARY, TEXT, WARN, WHITE, Btn, Panel, Txt, paint

    class Logo(Widget):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(size_hint=(None, None), size=(220, 220), **kwargs)
            with self.canvas:
                Color(*PRIMARY)
                self._bg = RoundedRectangle(radius=[30])
            self._label = Txt("MỘT\nCỬA", size=46, bold=True, color=WHITE, halign="center")
            self.add_widget(self._label)
            self.bind(pos=self._sync, size=self._sync)

        def _sync(self, *_: object) -> None:
            self._bg.pos, self._bg.size = self.pos, self.size
            self._label.width = self.width
            self._label.center = self.center

    class KioskApp(App):
        lang = StringProperty("vi")
        online = BooleanProperty(True)

        def __init__(self, config: KioskConfig, client: KioskClient | None = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.title = "Motcua — Ki-ốt"
            self.kiosk_config = config
            self.lang = config.language
            self.idle_timeout = float(config.idle_timeout_s)
            self.client = client or KioskClient(config.server_url, config.token(), site=config.site,
                                                connect_timeout=config.connect_timeout_s,
                                                timeout=config.request_timeout_s)
            self.flow = TicketFlow(self.client, printer_url=config.printer_url,
                                   printer_profile=config.printer_profile, printer_width_mm=config.printer_width_mm)
            self.cache = CatalogCache(config.effective_cache_dir)
            self.cache.load()
            self.services_data: dict[str, Any] | None = None
            self.last_issued: Issued | None = None
            self.last_touch = time.monotonic()
            self.busy = 0  # worker threads still running (tests wait for 0)
            self._busy_lock = threading.Lock()
            self._issuing = False
            self._printing = False
            self._stop_event = threading.Event()
            self.timings: dict[str, float] = {}
            self.camera = self._open_camera(config.checkin_camera)

        @staticmethod
        def _open_camera(url: str) -> Any:
            """The check-in screen's QR camera (kiosk/camera.py), or None: without one (or when it
            cannot be opened, logged once) the screen keeps the keyboard and a scanner."""
            from kiosk.camera import CameraUnavailable, open_camera

            try:
                return open_camera(url)
            except CameraUnavailable as exc:
                logging.getLogger("motcua.kiosk").warning("check-in camera %s unavailable: %s", url, exc)
                return None

        # -- layout ----------------------------------------------------------------------

        @property
        def landscape(self) -> bool:
            return self.kiosk_config.orientation == "landscape"

        def build(self) -> Widget:
            root = BoxLayout(orientation="vertical")
            paint(root, BG)
            self.topbar = Panel(color=WHITE, size_hint_y=None, height=140, padding=[20, 14], spacing=20)
            self.back_button = Btn(t("back", self.lang), self._back, kind="secondary", size=44,
                                   size_hint=(None, 1), width=320)
            self.title_label = Txt("", size=42, bold=True, halign="center", size_hint_y=1, color=TEXT,
                                   shorten=True, shorten_from="right", max_lines=1)
            self.top_lang_button = Btn(t("other_language", self.lang), self.toggle_language, kind="secondary",
                                       size=40, size_hint=(None, 1), width=300)
            for w in (self.back_button, self.title_label, self.top_lang_button):
                self.topbar.add_widget(w)
            self.banner = Panel(color=WARN, size_hint_y=None, height=0, padding=[30, 12])
            self.banner_label = Txt("", size=38, bold=True, color=(0, 0, 0, 1))
            self.banner.add_widget(self.banner_label)
            self.banner_label.bind(height=lambda *_: self._layout_banner())
            self.sm = ScreenManager(transition=NoTransition())
            self.screens = {}
            for name, cls in SCREENS.items():
                screen = cls(self, name=name)
                self.screens[name] = screen
                self.sm.add_widget(screen)
            self.sm.bind(current=lambda *_: self._update_bars())
            root.add_widget(self.topbar)
            root.add_widget(self.banner)
            root.add_widget(self.sm)
            self.sm.current = "home"
            self.screens["home"].refresh()
            self._update_bars()
            self._layout_banner()
            Window.bind(on_touch_down=self.poke, on_key_down=self.poke)
            Window.clearcolor = BG
            Clock.schedule_interval(self._tick, 1)
            self._health_thread = threading.Thread(target=self._health_loop, name="kiosk-health", daemon=True)
            self._health_thread.start()
            self.load_services()
            self.background(lambda: self.cache.index)  # the cached catalogue's index, off the UI thread
            self.refresh_catalog()
            return root

        def logo_widget(self) -> Widget:
            logo = self.kiosk_config.hall_name and None
            path = Path(os.environ.get("MOTCUA_KIOSK_LOGO", "")) if os.environ.get("MOTCUA_KIOSK_LOGO") else None
            if path is not None and path.exists():
                return KivyImage(source=str(path), size_hint=(None, None), size=(220, 220))
            return logo or Logo()

        def hall_name(self) -> str:
            site = (self.services_data or {}).get("site") or {}
            hall = self.cache.doc.get("hall") or {}
            return (pick(hall.get("name"), self.lang) or site.get("name") or self.kiosk_config.hall_name
                    or t("home", self.lang))

        def agency_name(self) -> str:
            hall = self.cache.doc.get("hall") or {}
            return pick(hall.get("agency"), self.lang)

        def _update_bars(self) -> None:
            screen = self.screens.get(self.sm.current)
            home = self.sm.current == "home"
            self.topbar.height = 0 if home else 140
            self.topbar.opacity = 0 if home else 1
            self.topbar.disabled = home
            self.back_button.text = t("back", self.lang)
            self.top_lang_button.text = t("other_language", self.lang)
            self.title_label.text = screen.title() if screen else ""
            self.banner_label.text = "⚠ " + t("offline", self.lang)

        def _layout_banner(self) -> None:
            self.banner.height = 0 if self.online else self.banner_label.height + 24
            self.banner.opacity = 0 if self.online else 1

        def _back(self) -> None:
            screen = self.screens[self.sm.current]
            screen.back()

        @property
        def current(self) -> str:
            return self.sm.current

        def go(self, name: str, **params: Any) -> None:
            screen = self.screens[name]
            screen.params = params
            if self.sm.current == name:
                screen.refresh()
            else:
                self.sm.current = name
            self._update_bars()

        def toggle_language(self) -> None:
            self.set_language("en" if self.lang == "vi" else "vi")

        def set_language(self, lang: str) -> None:
            if lang == self.lang:
                return
            self.lang = lang
            self.screens[self.sm.current].refresh()
            self._update_bars()

        # -- idle ------------------------------------------------------------------------

        def poke(self, *_: object) -> None:
            self.last_touch = time.monotonic()

        def _tick(self, *_: object) -> None:
            if self.sm.current == "home":
                self.screens["home"].tick()
            timeout = self.idle_timeout
            ticket = self.screens["ticket"]
            if self.sm.current == "ticket" and ticket.params.get("printing") == "failed":
                timeout *= 3  # the citizen needs time to note the number
            if time.monotonic() - self.last_touch < timeout:
                return
            if self.sm.current == "ticket" and self._issuing:
                return
            if self.sm.current != "home" or self.lang != "vi":
                self.lang = "vi"
                self.go("home")
                self.rest()

        def rest(self) -> None:
            """Free what the last citizen's screens left behind, while nobody is waiting:
            collect widget cycles and hand freed heap back to the system (glibc)."""
            import ctypes
            import gc

            gc.collect()
            try:
                ctypes.CDLL("libc.so.6").malloc_trim(0)
            except (OSError, AttributeError):  # not glibc: nothing to trim
                pass

        # -- background work -------------------------------------------------------------

        def background(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
                       fail: Callable[[BaseException], None] | None = None) -> None:
            with self._busy_lock:
                self.busy += 1

            def finish(callback: Callable[[Any], None] | None, value: Any) -> None:
                try:
                    if callback is not None:
                        callback(value)
                finally:
                    with self._busy_lock:
                        self.busy -= 1

            def run() -> None:
                try:
                    result = fn()
                except Exception as exc:  # noqa: BLE001 - handed to the UI thread
                    Clock.schedule_once(lambda _dt, error=exc: finish(fail, error), 0)
                    return
                Clock.schedule_once(lambda _dt: finish(done, result), 0)

            threading.Thread(target=run, daemon=True).start()

        def _health_loop(self) -> None:
            interval = self.kiosk_config.health_interval_s
            last_beat, last_printer = 0.0, None
            while not self._stop_event.is_set():
                ok = self.client.health()
                Clock.schedule_once(lambda _dt, ok=ok: self.set_online(ok), 0)
                if ok:
                    # the supervisor's monitor: alive, and the printer's paper (at once when it changes)
                    printer = self.flow.printer_state()
                    if printer != last_printer or time.monotonic() - last_beat >= HEARTBEAT_EVERY_S:
                        try:
                            self.client.heartbeat(printer)
                            last_beat, last_printer = time.monotonic(), printer
                        except KioskError as exc:
                            logger.warning("heartbeat not sent: %s", exc)
                self._stop_event.wait(interval)

        def set_online(self, value: bool) -> None:
            if value == self.online:
                return
            self.online = value
            self._layout_banner()
            if value:
                self.load_services()
                self.refresh_catalog()
                if self.flow.pending_reports:
                    self.background(self.flow.flush_reports)
            if self.sm.current == "services":
                self.screens["services"].refresh()

        def _offline(self, exc: BaseException) -> None:
            if isinstance(exc, Offline):
                self.set_online(False)

        # -- data ------------------------------------------------------------------------

        def load_services(self) -> None:
            def done(data: dict[str, Any]) -> None:
                self.services_data = data
                site = data.get("site") or {}
                self.flow.hall_name = site.get("name", "") or self.hall_name()
                self.flow.timezone = site.get("timezone") or "Asia/Ho_Chi_Minh"
                self.set_online(True)
                if self.sm.current in ("services", "home"):
                    self.screens[self.sm.current].refresh()

            def fail(exc: BaseException) -> None:
                self._offline(exc)
                if self.sm.current == "services":
                    self.screens["services"].refresh()

            self.background(self.client.services, done, fail)

        def refresh_catalog(self) -> None:
            def done(changed: bool) -> None:
                if changed and self.sm.current in ("procedures", "field", "procedure", "home"):
                    self.screens[self.sm.current].refresh()

            self.background(lambda: self.cache.refresh(self.client), done, self._offline)

        def priority_classes(self) -> list[str]:
            policy = ((self.services_data or {}).get("site") or {}).get("policy") or {}
            allowed = policy.get("priority_classes", list(PRIORITIES))
            return [p for p in PRIORITIES if p in allowed]

        def service_for_procedure(self, p: dict[str, Any]) -> dict[str, Any] | None:
            """The queue service a procedure's citizens take a number for (with live figures when known)."""
            sid = p.get("service_id")
            if sid is None:
                return None
            for s in (self.services_data or {}).get("services", []):
                if s["id"] == sid:
                    return s
            for s in self.cache.doc.get("services", []):
                if s["id"] == sid:
                    return {"id": s["id"], "code": s["code"], "prefix": s["prefix"], "name_vi": s["name"]["vi"],
                            "name_en": s["name"].get("en", "")}
            return None

        # -- take a number ---------------------------------------------------------------

        def take_number(self, service: dict[str, Any], priority: str = "normal",
                        procedure_code: str | None = None) -> None:
            if self._issuing or self.flow.issuing:
                return  # a double tap: the first tap's number is on its way
            self._issuing = True
            self.timings["tap"] = time.perf_counter()
            self.go("ticket", state="issuing")

            def done(issued: Issued | None) -> None:
                self._issuing = False
                if issued is None:
                    return
                self.last_issued = issued
                self.go("ticket", state="issued", issued=issued,
                        printing="printing" if self.flow.has_printer else "none")
                self.timings["code_shown"] = time.perf_counter()
                self.set_online(True)
                if self.flow.has_printer:
                    self._print(issued)

            def fail(exc: BaseException) -> None:
                self._issuing = False
                self._offline(exc)
                if isinstance(exc, KioskError):
                    why = exc.message_en if self.lang == "en" else exc.message_vi
                else:
                    why = t("offline_services", self.lang)
                self.go("ticket", state="error", why=why)

            self.background(lambda: self.flow.issue(service["id"], priority, procedure_code), done, fail)

        def _print(self, issued: Issued) -> None:
            if self._printing:
                return
            self._printing = True

            def done(error: Any) -> None:
                self._printing = False
                ticket = self.screens["ticket"]
                if ticket.params.get("issued") is issued:
                    ticket.params["printing"] = "failed" if error is not None else "printed"
                    if self.sm.current == "ticket":
                        ticket.refresh()

            def fail(exc: BaseException) -> None:
                done(exc)

            self.background(lambda: self.flow.print(issued), done, fail)

        def print_again(self) -> None:
            ticket = self.screens["ticket"]
            issued = ticket.params.get("issued")
            if issued is None or self._printing:
                return
            ticket.params["printing"] = "printing"
            ticket.refresh()
            self._print(issued)

        # -- dossier, rating -------------------------------------------------------------

        def lookup_dossier(self, code: str, key: str) -> None:
            """Ask the server for a dossier's progress; the dossier screen shows the answer
            (if the citizen is still there and has not started another lookup)."""
            screen = self.screens["dossier"]
            ticket = screen.start_lookup(code, key)

            def done(data: dict[str, Any]) -> None:
                self.set_online(True)
                screen.show_result(ticket, "ok", data)

            def fail(exc: BaseException) -> None:
                self._offline(exc)
                if isinstance(exc, DossierNotFound):
                    screen.show_result(ticket, "not_found")
                elif isinstance(exc, RateLimited):
                    screen.show_result(ticket, "too_many", retry_after=exc.retry_after)
                elif isinstance(exc, Offline):
                    screen.show_result(ticket, "offline")
                elif isinstance(exc, NotAvailable):
                    screen.show_result(ticket, "not_available")
                else:
                    why = getattr(exc, "message_en" if self.lang == "en" else "message_vi", str(exc))
                    screen.show_result(ticket, "error", why=why)

            self.background(lambda: self.client.dossier_lookup(code, key), done, fail)

        @property
        def timezone(self) -> str:
            """The hall's time zone (from the server's site, else Vietnam's)."""
            return self.flow.timezone or "Asia/Ho_Chi_Minh"

        def hall_now(self) -> datetime:
            """The hall's wall-clock time (naive, in the site's zone), whatever the PC's zone is."""
            return datetime.now(ZoneInfo(self.timezone)).replace(tzinfo=None)

        def check_in(self, code: str) -> None:
            """Check a number in by its code; the check-in screen shows the answer."""
            screen = self.screens["checkin"]
            ticket = screen.start_checkin(code)

            def done(data: dict[str, Any]) -> None:
                self.set_online(True)
                screen.show_result(ticket, "ok", data)

            def fail(exc: BaseException) -> None:
                self._offline(exc)
                if isinstance(exc, CheckinNotFound):
                    screen.show_result(ticket, "not_found")
                elif isinstance(exc, RateLimited):
                    screen.show_result(ticket, "too_many", retry_after=exc.retry_after)
                elif isinstance(exc, Offline):
                    screen.show_result(ticket, "offline")
                else:
                    why = getattr(exc, "message_en" if self.lang == "en" else "message_vi", None) or str(exc)
                    screen.show_result(ticket, "error", why=why)

            self.background(lambda: self.client.checkin(code), done, fail)

        def send_rating(self, level: str, reasons: list[str], comment: str) -> None:
            screen = self.screens["rating"]

            def fail(exc: BaseException) -> None:
                self._offline(exc)
                why = getattr(exc, "message_en" if self.lang == "en" else "message_vi", str(exc))
                screen.rating_done(False, why)

            self.background(lambda: self.client.rate(level, reasons, comment),
                            lambda _data: screen.rating_done(True), fail)

        def send_petition(self, category: str, text: str, phone: str) -> None:
            screen = self.screens["petition"]

            def fail(exc: BaseException) -> None:
                self._offline(exc)
                why = getattr(exc, "message_en" if self.lang == "en" else "message_vi", str(exc))
                screen.petition_done(None, why)

            self.background(lambda: self.client.petition(category, text, phone),
                            lambda data: screen.petition_done(data.get("code", "")), fail)

        # -- life cycle ------------------------------------------------------------------

        def on_stop(self) -> None:
            self._stop_event.set()
            self.flow.close()

    return KioskApp


_APP_CLASS = None


def kiosk_app_class():  # noqa: ANN201
    """The KioskApp class (Kivy is imported on first call, after prepare_kivy)."""
    global _APP_CLASS
    if _APP_CLASS is None:
        _APP_CLASS = _build_app_class()
    return _APP_CLASS


def create_app(config: KioskConfig, *, headless: bool = False, client: Any = None) -> Any:
    prepare_kivy(config, headless=headless)
    return kiosk_app_class()(config, client=client)
