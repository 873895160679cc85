"""Run the kiosk without a main loop of its own and touch it like a finger would.

Used by `motcua kiosk --tour`, the tests and the benchmarks:

    driver = Driver.start(config, headless=True)     # SDL offscreen: no X server needed
    driver.tap(driver.app.screens["home"].buttons["take_number"])
    driver.wait(lambda: driver.app.current == "services")
    driver.screenshot("home.png")
    driver.stop()

`tap` sends a real touch (down, then up) at the widget's centre in window coordinates,
through Kivy's input dispatch, so what is on top at that spot gets it - as on the glass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.app import create_app, save_png
from kiosk.config import KioskConfig


class Driver:
    def __init__(self, app: Any) -> None:
        self.app = app

    @classmethod
    def start(cls, config: KioskConfig, *, headless: bool = True, client: Any = None) -> Driver:
        app = create_app(config, headless=headless, client=client)
        from kivy.base import EventLoop, runTouchApp

        EventLoop.ensure_window()
        app._run_prepare()
        runTouchApp(embedded=True)
        driver = cls(app)
        driver.pump(3)
        return driver

    def pump(self, frames: int = 1) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def wait(self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        """Run the UI until `condition()` is true; raises TimeoutError naming `what`."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"kiosk: timed out waiting for {what or condition}")
            time.sleep(0.005)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until no background work is running and the screen has redrawn."""
        self.wait(lambda: self.app.busy == 0, timeout, "background work")
        self.pump(3)

    def tap(self, widget: Any) -> None:
        """Touch `widget` at its centre (down, up) through the window's input dispatch."""
        from kivy.base import EventLoop
        from kivy.input.motionevent import MotionEvent

        if widget is None:
            raise ValueError("nothing to tap")
        self.pump(1)  # layouts settle before we look for the widget
        x, y = widget.to_window(*widget.center)
        win = EventLoop.window

        class Touch(MotionEvent):
            def depack(self, args: dict[str, float]) -> None:
                self.sx, self.sy = args["x"], args["y"]
                super().depack(args)

        touch = Touch("kiosk-driver", id(widget) % 100000, {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
                      is_touch=True, type_id="touch")
        touch.profile = ["pos"]
        EventLoop.post_dispatch_input("begin", touch)
        EventLoop.post_dispatch_input("end", touch)
        self.pump(1)

    def type(self, keyboard: Any, text: str) -> None:
        """Type `text` on an on-screen keyboard, one key tap per character."""
        for ch in text:
            self.tap(keyboard.keys[ch])

    def screenshot(self, path: Path | str) -> Path:
        self.pump(2)
        return save_png(path)

    def stop(self) -> None:
        from kivy.base import stopTouchApp

        self.app.stop()
        self.pump()
        stopTouchApp()
