"""`motcua kiosk --tour DIR`: walk through every screen headless and save a PNG of each.

Runs the real app with SDL's offscreen driver (no display, no Xvfb) against the configured
server, touching buttons as a citizen would. It takes ONE real number (to show the ticket
screen), so point it at a demo or test server. Without a configured printer the slip goes
to an in-process simulated printer (`sim://tour`). The last screens show the offline
banner: the tour points the kiosk's client at a closed port, as if the server had gone.

With `dossier_url` (the lookup URL a receipt's QR holds, `--tour-dossier URL`) the tour
also scans it into the dossier screen and saves the result, its end (timeline) and the
English version; without it the dossier screen shows a lookup that finds nothing.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.config import KioskConfig


def run_tour(config: KioskConfig, directory: Path | str, dossier_url: str = "") -> list[Path]:
    from kiosk.driver import Driver

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    if not config.printer_url:
        config.printer_url = "sim://tour"
    config.health_interval_s = min(config.health_interval_s, 1.0)
    d = Driver.start(config, headless=True)
    app = d.app
    shots: list[Path] = []

    def shot(name: str) -> None:
        d.settle()
        shots.append(d.screenshot(out / f"{len(shots) + 1:02d}-{name}.png"))

    try:
        d.wait(lambda: app.services_data is not None or not app.online, 10, "the server's services")
        shot("home")
        d.tap(app.screens["home"].buttons["language"])
        shot("home-en")
        d.tap(app.screens["home"].buttons["language"])
        d.tap(app.screens["home"].buttons["take_number"])
        d.settle()
        shot("services")
        services = app.screens["services"].buttons
        if services:
            for _ in range(3):  # the list is rebuilt when the queue moves: tap the button shown now
                d.tap(next(iter(app.screens["services"].buttons.values())))
                d.settle()
                if app.current == "priority":
                    break
            shot("priority")
            d.tap(app.screens["priority"].buttons["normal"])
            d.wait(lambda: app.screens["ticket"].params.get("state") != "issuing", 10, "the number")
            d.wait(lambda: app.screens["ticket"].params.get("printing") != "printing", 15, "the slip")
            shot("ticket")
        d.tap(app.back_button)
        d.tap(app.screens["home"].buttons["procedures"])
        shot("procedures")
        proc = app.screens["procedures"]
        proc.search_input.text = "dang ky khai sinh"  # as typed on the keyboard (the tests type it)
        shot("search")
        if proc.result_buttons:
            d.tap(next(iter(proc.result_buttons.values())))
            shot("procedure")
            app.screens["procedure"].scroll.scroll_y = 0.35
            shot("procedure-scrolled")
            d.tap(app.top_lang_button)
            shot("procedure-en")
            d.tap(app.top_lang_button)
        app.go("procedures")
        d.tap(proc.keyboard.keys["\x18"])
        if proc.field_buttons:
            d.tap(next(iter(proc.field_buttons.values())))
            shot("field")
        app.go("home")
        d.tap(app.screens["home"].buttons["dossier"])
        dossier = app.screens["dossier"]
        dossier.code_input.text = "000.00.06.H56-231027-0361"
        dossier.key_input.text = "AB12CD"
        d.tap(dossier.lookup_button)
        d.wait(lambda: dossier.params.get("pending") is None, 10, "the lookup")
        shot("dossier")
        if dossier_url:
            app.go("dossier", fresh=True)
            d.settle()
            dossier.code_input.text = dossier_url  # as a scanner types the receipt's QR
            dossier.code_input.dispatch("on_text_validate")  # and its Enter
            d.wait(lambda: dossier.params.get("pending") is None, 10, "the dossier")
            if not dossier.params.get("result"):
                raise RuntimeError(f"--tour-dossier: no dossier shown: {dossier.texts()[-300:]}")
            shot("dossier-result")
            view = dossier.timeline_scroll
            if view.children and view.children[0].height > view.height:
                view.scroll_y = 0  # the end of the timeline (a list that fits does not scroll)
                shot("dossier-timeline")
            d.tap(app.top_lang_button)
            shot("dossier-result-en")
            d.tap(app.top_lang_button)
        app.go("home")
        d.tap(app.screens["home"].buttons["rating"])
        shot("rating")
        d.tap(app.screens["rating"].faces["unsatisfied"])
        d.tap(app.screens["rating"].reason_buttons["long_wait"])
        shot("rating-unsatisfied")
        d.tap(app.screens["rating"].comment_input)
        shot("rating-comment")
        app.go("home")
        d.tap(app.screens["home"].buttons["petition"])
        d.tap(app.screens["petition"].category_buttons["waiting_time"])
        d.type(app.screens["petition"].keyboard, "cho lau qua")
        shot("petition")
        # the server "goes away": the client now points at a port where nobody listens
        real = app.client._http.base_url
        app.client._http.base_url = "http://127.0.0.1:9"
        app.go("home")
        d.wait(lambda: not app.online, 40, "the offline banner")
        shot("offline-home")
        app.go("services")
        shot("offline-services")
        app.client._http.base_url = real
    finally:
        d.stop()
    return shots
