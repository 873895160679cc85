"""The kiosk's screens: home, take a number (services, priority, ticket), procedure lookup
(search, field, procedure page), dossier lookup and rating.

Each screen rebuilds its content in `build()` from the app's state and language, so a
language switch or fresh data is one call. Screens keep references to the widgets a
citizen touches (`buttons`, `keyboard`, ...) so tests can tap them like a finger would.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from kiosk.dossier_view import DossierView, Step, clean_code, clean_key, parse_scan
from kiosk.strings import PETITION_CATEGORIES, REASONS, date_text, fee_text, pick, t, wait_text
from kiosk.widgets import (
    BG,
    BODY,
    ERROR,
    HEADING,
    LINE,
    MIN_TARGET,
    MUTED,
    OK,
    PRIMARY,
    SMALL,
    TEXT,
    WARN,
    WHITE,
    Btn,
    Face,
    Keyboard,
    Panel,
    Txt,
    frame,
    paint,
    text_input,
)

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.tickets import Issued


def esc(text: object) -> str:
    """Text from the server shown in a label that reads Kivy markup: its [ ] & are shown as
    they are, never taken as markup (a name like "[size=300]" cannot restyle the screen)."""
    return escape_markup(str(text or ""))


def shown(text: dict[str, str] | None, lang: str) -> str:
    """A catalogue text in the kiosk's language, ready for a markup label."""
    return esc(pick(text, lang))

def scroller(content: Widget) -> ScrollView:
    view = ScrollView(do_scroll_x=False, bar_width=14, bar_color=(*PRIMARY[:3], 0.9),
                      bar_inactive_color=(*PRIMARY[:3], 0.5), scroll_type=["bars", "content"])
    content.size_hint_y = None
    content.bind(minimum_height=content.setter("height"))
    view.add_widget(content)
    return view


def column(spacing: int = 16, padding: int | list[int] = 0) -> BoxLayout:
    box = BoxLayout(orientation="vertical", spacing=spacing, padding=padding, size_hint_y=None)
    box.bind(minimum_height=box.setter("height"))
    return box


def with_keyboard(screen: KioskScreen, content: Widget, keyboard: Keyboard) -> None:
    """Content above the keyboard (portrait), or beside it with the keyboard low on the right
    (landscape), where a hand reaches it."""
    if screen.app.landscape:
        row = BoxLayout(spacing=28)
        row.add_widget(content)
        right = BoxLayout(orientation="vertical", size_hint_x=0.85)
        right.add_widget(Widget())
        right.add_widget(keyboard)
        row.add_widget(right)
        screen.body.add_widget(row)
    else:
        screen.body.add_widget(content)
        screen.body.add_widget(keyboard)


class KioskScreen(Screen):
    """A screen with a title, a back target and a body that `build()` fills."""

    title_key = ""
    back_to: str | None = "home"

    def __init__(self, app: KioskApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.params: dict[str, Any] = {}
        paint(self, BG)
        self.body = BoxLayout(orientation="vertical", padding=[32, 24, 32, 24], spacing=20)
        self.add_widget(self.body)

    @property
    def lang(self) -> str:
        return self.app.lang

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def title(self) -> str:
        return self.t(self.title_key) if self.title_key else ""

    def on_pre_enter(self, *_: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.body.clear_widgets()
        self.build()

    def build(self) -> None:  # pragma: no cover - every screen overrides it
        raise NotImplementedError

    def back(self) -> None:
        if self.back_to:
            self.app.go(self.back_to)


# -- home --------------------------------------------------------------------------------

class HomeScreen(KioskScreen):
    back_to = None
    ACTIONS = (("take_number", "services"), ("procedures", "procedures"), ("dossier", "dossier"),
               ("rating", "rating"))

    def build(self) -> None:
        self.buttons: dict[str, Btn] = {}
        head = BoxLayout(size_hint_y=None, height=260, spacing=24)
        head.add_widget(self.app.logo_widget())
        names = BoxLayout(orientation="vertical")
        names.add_widget(Txt(esc(self.app.hall_name()), size=50, bold=True, size_hint_y=1, valign="bottom"))
        names.add_widget(Txt(esc(self.app.agency_name()), size=SMALL, color=MUTED, size_hint_y=1, valign="top"))
        head.add_widget(names)
        self.body.add_widget(head)
        now = self.app.hall_now()
        self.clock_label = Txt(f"{now:%H:%M}", size=120, bold=True, halign="center")
        self.date_label = Txt(date_text(now, self.lang), size=BODY, halign="center", color=MUTED)
        self.body.add_widget(self.clock_label)
        self.body.add_widget(self.date_label)
        self.body.add_widget(Txt(self.t("welcome"), size=BODY, halign="center"))
        cols = 4 if self.app.landscape else 2
        grid = GridLayout(cols=cols, spacing=28, size_hint_y=1)
        other = "en" if self.lang == "vi" else "vi"
        for key, target in self.ACTIONS:
            label = f"[b]{self.t(key)}[/b]\n[size=34]{t(key, other)}[/size]"
            btn = Btn(label, lambda target=target: self.app.go(target, fresh=True), size=58, size_hint_y=1)
            self.buttons[key] = btn
            grid.add_widget(btn)
        self.body.add_widget(grid)
        bottom = BoxLayout(spacing=28, size_hint_y=None, height=MIN_TARGET)
        self.lang_button = Btn(self.t("other_language"), self.app.toggle_language, kind="secondary", size=44,
                               size_hint_x=0.35)
        self.buttons["language"] = self.lang_button
        # feedback and petitions: less common than the four above, so a smaller button
        self.buttons["petition"] = Btn(self.t("petition"), lambda: self.app.go("petition", fresh=True),
                                       kind="secondary", size=40, size_hint_x=0.65)
        bottom.add_widget(self.lang_button)
        bottom.add_widget(self.buttons["petition"])
        # a number taken from a phone, or an appointment: check in here (then it is called)
        self.buttons["checkin"] = Btn(f"[b]{self.t('checkin')}[/b]", lambda: self.app.go("checkin", fresh=True),
                                      kind="secondary", size=40, size_hint_y=None, height=MIN_TARGET)
        self.body.add_widget(self.buttons["checkin"])
        self.body.add_widget(bottom)

    def tick(self) -> None:
        now = self.app.hall_now()
        if getattr(self, "clock_label", None) is not None:
            self.clock_label.text = f"{now:%H:%M}"
            self.date_label.text = date_text(now, self.lang)


# -- take a number -----------------------------------------------------------------------

class ServicesScreen(KioskScreen):
    title_key = "choose_service"

    def build(self) -> None:
        self.buttons: dict[str, Btn] = {}
        data = self.app.services_data
        if not self.app.online:
            self._message(self.t("offline_services"))
            return
        if data is None:
            self._message(self.t("loading"))
            return
        services = data.get("services", [])
        if not services:
            self._message(self.t("no_services"))
            return
        box = column(spacing=18)
        groups: dict[str, list[dict[str, Any]]] = {}
        for s in services:
            groups.setdefault(s.get("group_en" if self.lang == "en" else "group_vi") or "", []).append(s)
        cols = 2 if self.app.landscape else 1
        for group, items in groups.items():
            if group:
                box.add_widget(Txt(group, size=44, bold=True, color=PRIMARY))
            grid = GridLayout(cols=cols, spacing=18, size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            for s in items:
                btn = Btn(self._label(s), lambda s=s: self.app.go("priority", service=s), halign="left",
                          height=170, size=46)
                btn.disabled = s.get("issuing") is False  # no counter open, and the hall gives no numbers then
                self.buttons[s["code"]] = btn
                grid.add_widget(btn)
            box.add_widget(grid)
        self.body.add_widget(scroller(box))

    def _label(self, s: dict[str, Any]) -> str:
        name = s.get("name_en") or s["name_vi"] if self.lang == "en" else s["name_vi"]
        line = self.t("waiting", n=s.get("waiting", 0))
        if s.get("issuing") is False:
            line += " · " + self.t("not_issuing")
        elif s.get("estimated_wait_s") is None:
            line += " · " + self.t("no_counter")
        else:
            line += " · " + self.t("estimate", wait=wait_text(s["estimated_wait_s"], self.lang))
        return f"[b]{esc(s['prefix'])} · {esc(name)}[/b]\n[size=34]{line}[/size]"

    def _message(self, text: str) -> None:
        box = Panel(color=WARN if not self.app.online else WHITE, orientation="vertical", padding=30,
                    size_hint_y=None)
        label = Txt(text, size=44, bold=not self.app.online)
        box.add_widget(label)
        label.bind(height=lambda *_: setattr(box, "height", label.height + 60))
        self.body.add_widget(box)
        self.body.add_widget(Widget())

    def on_enter(self, *_: object) -> None:
        self.app.load_services()


class PriorityScreen(KioskScreen):
    title_key = "take_number"
    back_to = "services"

    def build(self) -> None:
        self.buttons: dict[str, Btn] = {}
        service = self.params.get("service") or {}
        name = service.get("name_en") or service.get("name_vi", "") if self.lang == "en" else service.get(
            "name_vi", "")
        if self.params.get("procedure"):
            name = f"{name} — {shown(self.params['procedure']['name'], self.lang)}"
        self.body.add_widget(Txt(self.t("for_service", name=name), size=BODY, color=MUTED))
        self.no_counter_label = None
        if service and not service.get("open_counters"):  # said before the number is given
            self.no_counter_label = Txt("⚠ " + self.t("no_counter_before"), size=BODY, bold=True)
            warn = Panel(color=WARN, orientation="vertical", padding=24, size_hint_y=None, radius=12)
            warn.add_widget(self.no_counter_label)
            self.no_counter_label.bind(height=lambda label, h, warn=warn: setattr(warn, "height", h + 48))
            self.body.add_widget(warn)
        self.body.add_widget(Txt(self.t("priority_question"), size=HEADING, bold=True))
        box = column(spacing=18)
        normal = Btn(self.t("priority_normal"), lambda: self.choose("normal"), size=50, height=160)
        self.buttons["normal"] = normal
        box.add_widget(normal)
        grid = GridLayout(cols=2 if self.app.landscape else 1, spacing=18, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for p in self.app.priority_classes():
            btn = Btn(self.t(f"priority_{p}"), lambda p=p: self.choose(p), kind="secondary", size=46, height=140)
            self.buttons[p] = btn
            grid.add_widget(btn)
        box.add_widget(grid)
        box.add_widget(Txt(self.t("priority_note"), size=SMALL, color=MUTED))
        self.body.add_widget(scroller(box))

    def choose(self, priority: str) -> None:
        for btn in self.buttons.values():
            btn.disabled = True  # a second tap does nothing
        service = self.params.get("service") or {}
        procedure = self.params.get("procedure")
        self.app.take_number(service, priority, procedure["code"] if procedure else None)


class TicketScreen(KioskScreen):
    """The number, large, while the slip prints; the printing outcome in words."""

    title_key = "ticket_title"
    back_to = "home"

    def build(self) -> None:
        self.reprint_button: Btn | None = None
        state = self.params.get("state", "issuing")
        issued: Issued | None = self.params.get("issued")
        self.code_label = None
        if state == "issuing":
            self.body.add_widget(Widget())
            self.body.add_widget(Txt(self.t("issuing"), size=HEADING, bold=True, halign="center"))
            self.body.add_widget(Widget())
            return
        self._dest = self.body
        if state == "error":
            self._box(self.t("issue_failed", why=self.params.get("why", "")), ERROR)
            self.body.add_widget(Widget())
            self.done_button = Btn(self.t("back"), lambda: self.app.go("services"), size=48, height=150)
            self.body.add_widget(self.done_button)
            return
        assert issued is not None
        card = Panel(color=WHITE, orientation="vertical", padding=[20, 20], spacing=8, size_hint_y=None,
                     radius=18)
        card.add_widget(Txt(self.t("your_number"), size=48, halign="center", color=MUTED))
        self.code_label = Txt(issued.code, size=260 if not self.app.landscape else 220, bold=True,
                              halign="center", color=PRIMARY)
        card.add_widget(self.code_label)
        service = issued.service_name_en or issued.service_name_vi if self.lang == "en" else issued.service_name_vi
        card.add_widget(Txt(service, size=52, bold=True, halign="center"))
        card.bind(minimum_height=card.setter("height"))
        self._dest = self.body
        if self.app.landscape:  # the number on the left, what to do on the right
            row = BoxLayout(spacing=32)
            left = BoxLayout(orientation="vertical")
            left.add_widget(Widget())
            left.add_widget(card)
            left.add_widget(Widget())
            self._dest = BoxLayout(orientation="vertical", spacing=20)
            row.add_widget(left)
            row.add_widget(self._dest)
            self.body.add_widget(row)
        else:
            self.body.add_widget(card)
        facts = column(spacing=6)
        counters = ", ".join(str(c) for c in issued.counters)
        facts.add_widget(Txt(self.t("serving_counters", counters=counters) if counters else self.t("counters_later"),
                             size=46, bold=True))
        facts.add_widget(Txt(self.t("wait_for_call"), size=40, color=MUTED))
        facts.add_widget(Txt(self.t("people_ahead", n=issued.people_ahead), size=44))
        facts.add_widget(Txt(self.t("wait", wait=wait_text(issued.estimated_wait_s, self.lang)), size=44))
        self._dest.add_widget(facts)
        printing = self.params.get("printing", "printing")
        if printing == "printing":
            self.status_label = self._box(self.t("printing"), WHITE, dark=True)
        elif printing == "printed":
            self.status_label = self._box("✔ " + self.t("printed"), OK)
        elif printing == "none":
            self.status_label = self._box(self.t("no_printer"), WARN, dark=True)
        else:
            error = issued.print_error
            why = (error.message_en if self.lang == "en" else error.message_vi) if error else ""
            self.status_label = self._box("⚠ " + self.t("print_failed", why=why, code=issued.code), ERROR)
        self._dest.add_widget(Widget())
        row = BoxLayout(size_hint_y=None, height=160, spacing=24)
        if printing == "failed":
            self.reprint_button = Btn(self.t("print_again"), self.app.print_again, kind="primary", size=48,
                                      height=160, size_hint_y=1)
            row.add_widget(self.reprint_button)
        self.done_button = Btn(self.t("done"), lambda: self.app.go("home"), kind="secondary", size=48, height=160,
                               size_hint_y=1)
        row.add_widget(self.done_button)
        self._dest.add_widget(row)

    def _box(self, text: str, color: tuple[float, ...], dark: bool = False) -> Txt:
        box = Panel(color=color, orientation="vertical", padding=24, size_hint_y=None, radius=12)
        label = Txt(text, size=44, bold=True, color=(0.07, 0.07, 0.1, 1) if dark else WHITE)
        box.add_widget(label)
        label.bind(height=lambda *_: setattr(box, "height", label.height + 48))
        if color == WHITE:
            frame(box)
        getattr(self, "_dest", self.body).add_widget(box)
        return label


# -- procedures --------------------------------------------------------------------------

class ProceduresScreen(KioskScreen):
    """Search box with the on-screen keyboard; fields when empty, results while typing."""

    title_key = "procedures"

    def build(self) -> None:
        query = getattr(self, "search_input", None)
        text = query.text if query is not None and not self.params.pop("fresh", False) else ""
        self.search_input = text_input(self.t("search_hint"))
        self.search_input.text = text
        self.search_input.bind(text=lambda *_: self.update_results())
        self.keyboard = Keyboard(self.search_input, space_label=self.t("space"), clear_label=self.t("clear"))
        self.list_box = column(spacing=14)
        self.list_view = scroller(self.list_box)
        self._pool_lang = None  # pooled result buttons belong to the previous list
        left = BoxLayout(orientation="vertical", spacing=16)
        left.add_widget(self.search_input)
        left.add_widget(self.list_view)
        with_keyboard(self, left, self.keyboard)
        self.update_results()

    RESULTS = 12

    def update_results(self) -> None:
        """Redraw the list for the current query (called on every keystroke).

        Result buttons are pooled and only relabelled, so a keystroke costs a search and
        the texts that changed, not a dozen new widgets."""
        box = self.list_box
        box.clear_widgets()
        self.result_buttons: dict[str, Btn] = {}
        self.field_buttons: dict[str, Btn] = {}
        cache = self.app.cache
        if cache.empty:
            box.add_widget(Txt(self.t("no_catalog"), size=44))
            return
        query = self.search_input.text.strip()
        if not query:
            box.add_widget(Txt(self.t("fields"), size=46, bold=True, color=PRIMARY))
            for f in cache.fields:
                count = f.get("procedures", len(cache.procedures_in(f["code"])))
                label = f"[b]{shown(f['name'], self.lang)}[/b]\n[size=32]{self.t('n_procedures', n=count)}[/size]"
                btn = Btn(label, lambda code=f["code"]: self.app.go("field", field=code), kind="secondary",
                          halign="left", height=130, size=44)
                self.field_buttons[f["code"]] = btn
                box.add_widget(btn)
            return
        hits = cache.search(query, limit=self.RESULTS)
        if not hasattr(self, "_pool") or self._pool_lang != self.lang:
            self._pool: list[Btn] = []
            self._pool_lang = self.lang
            self._count_label = Txt("", size=SMALL, color=MUTED)
            self._none_label = Txt(self.t("no_results"), size=44, bold=True)
        self._count_label.text = self.t("results", n=len(hits))
        box.add_widget(self._count_label)
        if not hits:
            box.add_widget(self._none_label)
        for i, p in enumerate(hits):
            if i == len(self._pool):
                btn = procedure_button(self, p)
                btn.code = p["code"]
                btn._action = lambda btn=btn: self.app.go("procedure", code=btn.code)
                self._pool.append(btn)
            btn = self._pool[i]
            text = procedure_label(self, p)
            if btn.text != text:
                btn.text = text
            btn.code = p["code"]
            self.result_buttons[p["code"]] = btn
            box.add_widget(btn)


def procedure_label(screen: KioskScreen, p: dict[str, Any]) -> str:
    field = screen.app.cache.field(p.get("field", "")) or {}
    return (f"[b]{shown(p['name'], screen.lang)}[/b]\n[size=30]{esc(p['code'])} · "
            f"{shown(field.get('name'), screen.lang)}[/size]")


def procedure_button(screen: KioskScreen, p: dict[str, Any]) -> Btn:
    return Btn(procedure_label(screen, p), lambda code=p["code"]: screen.app.go("procedure", code=code), kind="secondary", halign="left",
               height=130, size=42)


class FieldScreen(KioskScreen):
    back_to = "procedures"

    def title(self) -> str:
        field = self.app.cache.field(self.params.get("field", "")) or {}
        return shown(field.get("name"), self.lang) or self.t("procedures")

    def build(self) -> None:
        self.result_buttons: dict[str, Btn] = {}
        box = column(spacing=14)
        for p in self.app.cache.procedures_in(self.params.get("field", "")):
            btn = procedure_button(self, p)
            self.result_buttons[p["code"]] = btn
            box.add_widget(btn)
        self.body.add_widget(scroller(box))


class ProcedureScreen(KioskScreen):
    """Everything about one procedure, readable at arm's length, scrollable."""

    back_to = "procedures"

    def title(self) -> str:
        return self.t("procedures")

    def build(self) -> None:
        p = self.app.cache.procedure(self.params.get("code", ""))
        self.take_button = None
        if p is None:
            self.body.add_widget(Txt(self.t("no_results"), size=44))
            return
        lang = self.lang
        box = column(spacing=14, padding=[0, 0, 24, 0])
        box.add_widget(Txt(shown(p["name"], lang), size=HEADING, bold=True, color=PRIMARY))
        field = self.app.cache.field(p.get("field", "")) or {}
        box.add_widget(Txt(f"{self.t('code', code=p['code'])} · {shown(field.get('name'), lang)} · "
                           f"{shown(p.get('level_name'), lang)}", size=SMALL, color=MUTED))
        if self.app.cache.doc.get("demo"):
            box.add_widget(Txt(self.t("demo_data"), size=30, color=MUTED))
        self.heading(box, "documents")
        box.add_widget(documents_table(self, p.get("documents", [])))
        self.heading(box, "fees_times")
        for ch in p.get("channels", []):
            pt = ch["processing_time"]
            lines = [f"[b]{shown(ch['kind_name'], lang)}[/b]",
                     "• " + self.t("fee", fee=fee_text(ch["fee"]["amount_vnd"], lang)) +
                     (f" — {shown(ch['fee'].get('note'), lang)}" if ch["fee"].get("note") else ""),
                     "• " + self.t("time", time=shown(pt["text"], lang)) +
                     (f" — {shown(pt.get('note'), lang)}" if pt.get("note") else "")]
            box.add_widget(Txt("\n".join(lines), size=BODY))
        self.heading(box, "where")
        box.add_widget(Txt(shown(p.get("where"), lang), size=BODY))
        self.heading(box, "steps")
        for i, step in enumerate(p.get("steps", []), start=1):
            box.add_widget(Txt(f"{i}. {shown(step, lang)}", size=BODY))
        if p.get("requirements"):
            self.heading(box, "requirements")
            for r in p["requirements"]:
                box.add_widget(Txt(f"• {shown(r, lang)}", size=BODY))
        self.heading(box, "result")
        box.add_widget(Txt(shown(p.get("result"), lang), size=BODY))
        self.heading(box, "legal_basis")
        for b in p.get("legal_basis", []):
            box.add_widget(Txt(f"• {shown(b, lang)}", size=SMALL))
        self.scroll = scroller(box)
        self.body.add_widget(self.scroll)
        service = self.app.service_for_procedure(p)
        if service is not None:
            self.take_button = Btn(self.t("take_for_procedure"),
                                   lambda: self.app.go("priority", service=service, procedure=p), size=50,
                                   height=150)
            self.body.add_widget(self.take_button)

    def heading(self, box: BoxLayout, key: str) -> None:
        box.add_widget(Widget(size_hint_y=None, height=10))
        box.add_widget(Txt(self.t(key), size=48, bold=True, color=PRIMARY))


def documents_table(screen: KioskScreen, docs: list[dict[str, Any]]) -> GridLayout:
    """Documents with how many originals and copies: a table with words, not symbols."""
    lang = screen.lang
    grid = GridLayout(cols=3, spacing=2, size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    paint(grid, LINE)

    def cell(text: str, bold: bool = False, width: float = 0.2, align: str = "center") -> None:
        box = Panel(color=WHITE if not bold else (0.88, 0.92, 0.97, 1), padding=[12, 10], size_hint_y=None,
                    size_hint_x=width)
        label = Txt(text, size=36 if not bold else 34, bold=bold, halign=align)
        box.add_widget(label)
        label.bind(height=lambda *_: setattr(box, "height", label.height + 20))
        grid.add_widget(box)

    cell(screen.t("document"), True, 0.6, "left")
    cell(screen.t("originals"), True)
    cell(screen.t("copies"), True)
    for d in docs:
        name = shown(d["name"], lang)
        if not d.get("required", True) and screen.t("optional") not in name:
            name += " " + screen.t("optional")
        if d.get("form"):
            name += "\n[size=30]" + screen.t("form", form=shown(d["form"], lang)) + "[/size]"
        if d.get("note"):
            name += "\n[size=30]" + shown(d["note"], lang) + "[/size]"
        cell(name, width=0.6, align="left")
        originals = str(d.get("originals", 0)) if d.get("originals") else ("—" if not d.get("show_original")
                                                                           else screen.t("show_only"))
        copies = d.get("certified_copies", 0) + d.get("photocopies", 0)
        cell(originals)
        cell(str(copies) if copies else "—")
    # rows of equal height: each row takes the tallest cell
    def even(*_: object) -> None:
        cells = list(reversed(grid.children))
        for i in range(0, len(cells), 3):
            row = cells[i:i + 3]
            h = max(c.children[0].height + 20 for c in row)
            for c in row:
                c.height = h

    grid.bind(children=even)
    Clock.schedule_once(even, 0)
    for c in grid.children:
        c.children[0].bind(height=even)
    return grid


# -- dossier -----------------------------------------------------------------------------

class DossierScreen(KioskScreen):
    """Dossier code and lookup code (typed, or scanned by a keyboard-wedge scanner: the
    receipt's barcode gives the dossier code and Enter moves on to the lookup code; its QR
    gives a lookup URL with both, which fills both boxes and looks up), then the progress:
    procedure, status and due date in words, the masked name and the timeline.

    `params`: code, key (what is typed, kept across a language switch), pending (the
    lookup in flight), message (why there is no result: not_found, too_many, offline,
    not_available, error, missing, looking_up), result (the server's reply)."""

    title_key = "dossier_title"
    TONES = {"info": (PRIMARY, WHITE), "ok": (OK, WHITE), "warn": (WARN, TEXT), "bad": (ERROR, WHITE)}

    def build(self) -> None:
        self.message_label: Txt | None = None
        self.view: DossierView | None = None
        if self.params.get("result"):
            self._build_result(self.params["result"])
        else:
            self._build_form()

    def back(self) -> None:
        if self.params.get("result"):
            self.app.go("dossier", fresh=True)  # another lookup, with empty boxes
        else:
            super().back()

    # -- the form ------------------------------------------------------------------------

    def _build_form(self) -> None:
        self.code_input = text_input(self.t("dossier_code"))
        self.key_input = text_input(self.t("dossier_key"))
        self.code_input.text = self.params.get("code", "")
        self.key_input.text = self.params.get("key", "")
        for box, name in ((self.code_input, "code"), (self.key_input, "key")):
            box.bind(focus=self._focused, text=lambda w, v, name=name: self._typed(w, v, name))
        self.code_input.bind(on_text_validate=lambda *_: self._next())
        self.key_input.bind(on_text_validate=lambda *_: self.lookup())
        self.keyboard = Keyboard(self.code_input, upper=True, codes=True, clear_label=self.t("clear"))
        form = column(spacing=12)
        form.add_widget(Txt(self.t("dossier_hint"), size=BODY, color=MUTED))
        form.add_widget(Txt(self.t("dossier_code"), size=BODY, bold=True))
        form.add_widget(self.code_input)
        form.add_widget(Txt(self.t("dossier_key"), size=BODY, bold=True))
        form.add_widget(self.key_input)
        self.lookup_button = Btn(self.t("lookup"), self.lookup, size=48, height=140)
        self.lookup_button.disabled = self.params.get("pending") is not None
        form.add_widget(self.lookup_button)
        message = self._message_text()
        if message:
            kind = self.params.get("message", ("",))[0]
            box = Panel(color=WHITE if kind == "looking_up" else WARN, orientation="vertical", padding=24,
                        size_hint_y=None, radius=12)
            self.message_label = Txt(message, size=BODY, bold=True, color=TEXT)
            box.add_widget(self.message_label)
            self.message_label.bind(height=lambda *_: setattr(box, "height", self.message_label.height + 48))
            form.add_widget(box)
        self.form_scroll = scroller(form)
        with_keyboard(self, self.form_scroll, self.keyboard)
        Clock.schedule_once(lambda *_: setattr(self.code_input, "focus", True), 0)
        if message:  # the answer is what the citizen looks for: keep it in view
            form.bind(height=self._message_in_view)
            self.form_scroll.bind(height=self._message_in_view)

    def _message_in_view(self, *_: object) -> None:
        """Scroll to the end (the message) when the form is taller than its place; a form that
        fits does not move."""
        view = self.form_scroll
        if view.children:  # layout passes through sizes that do not last: decide each time
            view.scroll_y = 0 if view.children[0].height > view.height else 1

    def _message_text(self) -> str:
        kind, *extra = self.params.get("message") or ("",)
        if kind == "looking_up":
            return self.t("looking_up")
        if kind == "missing":
            return "⚠ " + self.t("dossier_missing")
        if kind == "not_found":
            return "⚠ " + self.t("dossier_not_found")
        if kind == "too_many":
            seconds = extra[0] if extra and extra[0] else 15 * 60
            return "⚠ " + self.t("dossier_too_many", minutes=max(1, math.ceil(seconds / 60)))
        if kind == "offline":
            return "⚠ " + self.t("dossier_offline")
        if kind == "not_available":
            return "⚠ " + self.t("dossier_not_available")
        if kind == "error":
            return "⚠ " + self.t("dossier_failed", why=extra[0] if extra else "")
        return ""

    def _focused(self, widget: Any, focused: bool) -> None:
        if focused:
            self.keyboard.target = widget

    def _typed(self, widget: Any, text: str, name: str) -> None:
        if text != text.upper():
            widget.text = text.upper()  # binds again with the capitals
            return
        self.params[name] = text

    def _next(self) -> None:
        """A scanner ends what it read with Enter: a receipt's QR (both codes) looks up at
        once; the barcode (the dossier code alone) moves on to the lookup code."""
        if parse_scan(self.code_input.text):
            self.lookup()
            return
        self.key_input.focus = True
        self.keyboard.target = self.key_input

    def lookup(self) -> None:
        if self.params.get("pending") is not None:
            return  # one lookup at a time
        for box in (self.code_input, self.key_input):
            scanned = parse_scan(box.text)
            if scanned:
                self.code_input.text, self.key_input.text = scanned
                break
        code, key = clean_code(self.code_input.text), clean_key(self.key_input.text)
        if not code or not key:
            self.params["message"] = ("missing",)
            self.refresh()
            return
        if len(code) > 80 or len(key) > 20:  # no receipt has such codes (the server would refuse them)
            self.params["message"] = ("not_found",)
            self.refresh()
            return
        self.app.lookup_dossier(code, key)

    def start_lookup(self, code: str, key: str) -> int:
        """Called by the app as the request leaves: the screen says it is looking."""
        ticket = self._ticket = getattr(self, "_ticket", 0) + 1
        self.params.update(code=code, key=key, pending=ticket, message=("looking_up",))
        self.params.pop("result", None)
        if self.app.current == "dossier":
            self.refresh()
        return ticket

    def show_result(self, ticket: int, kind: str, data: dict[str, Any] | None = None, why: str = "",
                    retry_after: int | None = None) -> None:
        """The answer to lookup `ticket`; dropped if the citizen has left or started afresh."""
        if self.params.get("pending") != ticket:
            return
        self.params["pending"] = None
        if self.app.current != "dossier":
            return
        if kind == "ok" and data:
            self.params["result"] = data
            self.params.pop("message", None)
        elif kind == "too_many":
            self.params["message"] = ("too_many", retry_after)
        elif kind == "error":
            self.params["message"] = ("error", why)
        else:
            self.params["message"] = (kind,)
        self.refresh()

    # -- the result ----------------------------------------------------------------------

    def _build_result(self, data: dict[str, Any]) -> None:
        view = self.view = DossierView.from_reply(data, self.app.timezone, self.lang)
        summary = column(spacing=16)
        summary.add_widget(Txt(view.procedure, size=HEADING, bold=True, color=PRIMARY))
        summary.add_widget(Txt(self.t("dossier_code_line", code=view.code), size=SMALL, color=MUTED))
        bg, fg = self.TONES.get(view.tone, self.TONES["info"])
        self.status_label = self._card(summary, self.t("dossier_status"), view.status, bg, fg)
        due_words = ""
        if view.due_state == "overdue":
            due_bg, due_fg, due_words = ERROR, WHITE, "⚠ " + self.t("dossier_overdue")
        elif view.due_state == "due_soon":
            due_bg, due_fg, due_words = WARN, TEXT, self.t("dossier_due_soon")
        else:
            due_bg, due_fg = WHITE, TEXT
            due_words = self.t("dossier_on_track") if view.due_state == "on_track" else ""
        self.due_label = self._card(summary, self.t("dossier_due"), view.due, due_bg, due_fg, due_words)
        facts = [(self.t("dossier_applicant"), view.applicant), (self.t("dossier_received"), view.received)]
        if view.first_due:
            facts.append(("", self.t("dossier_first_due", due=view.first_due)))
        if view.current_agency:
            facts.append((self.t("dossier_now_at"), view.current_agency))
        if view.delivery:
            facts.append((self.t("dossier_delivery"), view.delivery))
        if view.missing:
            facts.append(("", "⚠ " + self.t("dossier_missing_docs", items="; ".join(view.missing))))
        if view.calendar_note:
            facts.append(("", view.calendar_note))
        facts_box = Panel(color=WHITE, orientation="vertical", padding=[24, 16], spacing=10, size_hint_y=None,
                          radius=12)
        facts_box.bind(minimum_height=facts_box.setter("height"))
        self.fact_labels: dict[str, Txt] = {}
        for label, value in facts:
            line = Txt(f"[b]{label}:[/b] {esc(value)}" if label else esc(value), size=BODY)
            self.fact_labels[label or value] = line
            facts_box.add_widget(line)
        frame(facts_box)
        self.applicant_label = self.fact_labels[self.t("dossier_applicant")]
        self.timeline_box = column(spacing=12)
        self.timeline_box.add_widget(Txt(self.t("dossier_timeline"), size=48, bold=True, color=PRIMARY))
        self.step_labels: list[Txt] = []
        for i, step in enumerate(view.timeline, start=1):
            self.timeline_box.add_widget(self._step(i, step))
        if self.app.landscape:  # what and when on the left; who, where and how it went on the right
            row = BoxLayout(spacing=32)
            left = column(spacing=16, padding=[0, 0, 24, 0])
            left.add_widget(summary)
            right = column(spacing=16, padding=[0, 0, 24, 0])
            right.add_widget(facts_box)
            right.add_widget(self.timeline_box)
            self.result_scroll = scroller(left)
            self.timeline_scroll = scroller(right)
            row.add_widget(self.result_scroll)
            row.add_widget(self.timeline_scroll)
            self.body.add_widget(row)
        else:
            whole = column(spacing=16, padding=[0, 0, 24, 0])
            whole.add_widget(summary)
            whole.add_widget(facts_box)
            whole.add_widget(Widget(size_hint_y=None, height=8))
            whole.add_widget(self.timeline_box)
            self.result_scroll = self.timeline_scroll = scroller(whole)
            self.body.add_widget(self.result_scroll)
        buttons = BoxLayout(size_hint_y=None, height=150, spacing=24)
        self.another_button = Btn(self.t("dossier_another"), lambda: self.app.go("dossier", fresh=True),
                                  kind="secondary", size=46, height=150, size_hint_y=1)
        self.done_button = Btn(self.t("done"), lambda: self.app.go("home"), size=46, height=150, size_hint_y=1)
        buttons.add_widget(self.another_button)
        buttons.add_widget(self.done_button)
        self.body.add_widget(buttons)

    def _card(self, parent: BoxLayout, label: str, value: str, bg: tuple[float, ...], fg: tuple[float, ...],
              words: str = "") -> Txt:
        """A coloured box: a small label, the value large, and what the colour means in words."""
        box = Panel(color=bg, orientation="vertical", padding=[24, 14], spacing=4, size_hint_y=None, radius=12)
        box.bind(minimum_height=box.setter("height"))
        box.add_widget(Txt(label, size=SMALL, color=fg))
        value_label = Txt(value, size=52, bold=True, color=fg)
        box.add_widget(value_label)
        if words:
            box.add_widget(Txt(words, size=BODY, bold=True, color=fg))
        if bg == WHITE:
            frame(box)
        parent.add_widget(box)
        return value_label

    def _step(self, number: int, step: Step) -> Panel:
        box = Panel(color=WHITE, orientation="vertical", padding=[24, 12], spacing=4, size_hint_y=None, radius=10)
        box.bind(minimum_height=box.setter("height"))
        head = Txt(f"[b]{number}. {esc(step.name)}[/b]", size=BODY)
        box.add_widget(head)
        self.step_labels.append(head)
        line = step.when + (f" — {step.agency}" if step.agency else "")
        box.add_widget(Txt(esc(line), size=SMALL, color=MUTED))
        if step.timing:
            box.add_widget(Txt(("⚠ " if step.late else "") + step.timing, size=SMALL, bold=step.late,
                               color=ERROR if step.late else MUTED))
        for detail in step.details:
            box.add_widget(Txt(esc(detail), size=SMALL))
        frame(box)
        return box

    def texts(self) -> str:
        """Every text the screen shows now (for tests and the tour)."""
        return "\n".join(w.text for w in self.walk() if isinstance(getattr(w, "text", None), str) and w.text)


# -- rating ------------------------------------------------------------------------------

class RatingScreen(KioskScreen):
    title_key = "rating"
    LEVELS = ("very_satisfied", "satisfied", "unsatisfied")

    def build(self) -> None:
        self.faces: dict[str, Btn] = {}
        self.reason_buttons: dict[str, Btn] = {}
        self.send_button = None
        self.comment_input = None
        level = self.params.get("level")
        sent = self.params.get("sent")
        if sent:
            self.body.add_widget(Widget())
            self.body.add_widget(Txt("✔ " + self.t("thanks"), size=64, bold=True, halign="center", color=OK))
            self.body.add_widget(Widget())
            return
        typing = bool(self.params.get("typing"))
        portrait = not self.app.landscape
        if not (typing and portrait):  # the keyboard needs the title's room; the faces say it
            self.body.add_widget(Txt(self.t("rating_title"), size=HEADING, bold=True, halign="center"))
        faces_height = (220 if self.app.landscape else (150 if typing else 330)) if level else 560
        faces = BoxLayout(spacing=24, size_hint_y=None, height=faces_height)
        for lv in self.LEVELS:
            cell = BoxLayout(orientation="vertical", spacing=6)
            btn = Btn("", lambda lv=lv: self.choose(lv), kind="secondary" if lv != level else "primary",
                      size=40, size_hint_y=1)
            face = Face(lv)
            btn.add_widget(face)
            btn.bind(pos=lambda b, *_ , f=face: self._place(b, f), size=lambda b, *_, f=face: self._place(b, f))
            self.faces[lv] = btn
            cell.add_widget(btn)
            mark = "✔ " if lv == level else ""
            cell.add_widget(Txt(mark + self.t(lv), size=32 if typing and portrait else 44, bold=lv == level,
                                halign="center"))
            faces.add_widget(cell)
        self.faces_row = faces
        self.body.add_widget(faces)
        if not level:
            self.body.add_widget(Widget())
            return
        detail = column(spacing=12)
        if level == "unsatisfied":
            detail.add_widget(Txt(self.t("reasons"), size=BODY, bold=True))
            grid = GridLayout(cols=2, spacing=12, size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            chosen = self.params.setdefault("reasons", [])
            for r in REASONS:
                on = r in chosen
                btn = Btn(("☑ " if on else "☐ ") + self.t(f"reason_{r}"), lambda r=r: self.toggle(r),
                          kind="primary" if on else "secondary", halign="left", size=34 if portrait else 36,
                          height=(84 if typing else 100) if portrait else 110)
                self.reason_buttons[r] = btn
                grid.add_widget(btn)
            detail.add_widget(grid)
        self.comment_input = text_input(self.t("comment"), size=38)
        self.comment_input.text = self.params.get("comment", "")
        self.comment_input.bind(text=lambda _w, v: self.params.__setitem__("comment", v),
                                focus=lambda _w, on: on and self.open_keyboard())
        self.status_label = Txt(self.params.get("status", ""), size=BODY, bold=True)
        self.keyboard = Keyboard(self.comment_input, space_label=self.t("space"), clear_label=self.t("clear"))
        self.send_button = Btn(self.t("send"), self.send, size=48, height=140)
        # Portrait has room for every reason: no scroll box, and they stay in sight (and
        # chosen) while the comment keyboard is open. Landscape puts the keyboard where the
        # reasons were, so the chosen ones are listed above the comment box.
        self.detail_view = detail if portrait else scroller(detail)
        self.form = BoxLayout(orientation="vertical", spacing=12)
        self.chosen_label = None
        if not portrait and level == "unsatisfied":
            self.chosen_label = Txt(self._chosen_text(), size=SMALL, color=MUTED)
            self.form.add_widget(self.chosen_label)
        self.form.add_widget(Txt(self.t("comment"), size=BODY, bold=True))
        self.form.add_widget(self.comment_input)
        self.form.add_widget(self.status_label)
        self.form.add_widget(Widget())
        self.form.add_widget(self.send_button)
        if self.app.landscape:  # reasons (or the keyboard) on the left, comment and send on the right
            self.side = BoxLayout(spacing=28)
            self.side.add_widget(self.detail_view)
            self.form.size_hint_x = 0.7
            self.side.add_widget(self.form)
            self.body.add_widget(self.side)
        else:
            self.form.add_widget(self.detail_view, index=len(self.form.children))
            self.body.add_widget(self.form)
        if self.params.get("typing"):
            self.open_keyboard()

    def open_keyboard(self) -> None:
        """Tapping the comment box brings up the keyboard (in place of the reasons in landscape,
        below the reasons in portrait)."""
        typed_before = bool(self.params.get("typing"))
        self.params["typing"] = True
        if self.keyboard.parent is not None:
            return
        if self.app.landscape:
            self.side.remove_widget(self.detail_view)
            holder = BoxLayout(orientation="vertical")
            holder.add_widget(Widget())
            holder.add_widget(self.keyboard)
            self.side.add_widget(holder, index=1)
            return
        if not typed_before:  # built again, smaller, to make room for the keyboard (next frame:
            Clock.schedule_once(lambda *_: self.refresh())  # not inside the touch that got here)
            return
        self.form.add_widget(self.keyboard, index=1)

    def _chosen_text(self) -> str:
        chosen = self.params.get("reasons") or []
        if not chosen:
            return ""
        return self.t("reasons_chosen") + " " + "; ".join(self.t(f"reason_{r}") for r in chosen)

    @staticmethod
    def _place(btn: Btn, face: Face) -> None:
        face.size = (btn.width * 0.8, btn.height * 0.8)
        face.center = btn.center

    def choose(self, level: str) -> None:
        if level != self.params.get("level"):
            self.params["reasons"] = []
            self.params["typing"] = False
        self.params["level"] = level
        self.params["status"] = ""
        self.refresh()

    def toggle(self, reason: str) -> None:
        chosen = self.params.setdefault("reasons", [])
        if reason in chosen:
            chosen.remove(reason)
        else:
            chosen.append(reason)
        self.refresh()

    def send(self) -> None:
        if self.send_button is not None:
            self.send_button.disabled = True
        self.status_label.text = self.t("sending")
        self.app.send_rating(self.params["level"], list(self.params.get("reasons", [])),
                             self.params.get("comment", ""))

    def rating_done(self, ok: bool, why: str = "") -> None:
        if ok:
            self.params = {"sent": True}
            self.refresh()
            Clock.schedule_once(lambda *_: self.app.current == "rating" and self.app.go("home"), 5)
        else:
            self.params["status"] = "⚠ " + self.t("rating_failed", why=why)
            self.refresh()


# -- feedback and petitions (phản ánh, kiến nghị) -----------------------------------------

class PetitionScreen(KioskScreen):
    """Category buttons, the text and an optional phone typed on the on-screen keyboard (one
    keyboard; it types into the box last touched), then the code to read the answer back."""

    title_key = "petition_title"
    TEXT_MIN = 10

    def build(self) -> None:
        self.category_buttons: dict[str, Btn] = {}
        self.send_button = None
        code = self.params.get("code")
        if code:
            self._build_sent(code)
            return
        chosen = self.params.get("category")
        portrait = not self.app.landscape
        form = BoxLayout(orientation="vertical", spacing=12)
        form.add_widget(Txt(self.t("petition_category"), size=BODY, bold=True))
        grid = GridLayout(cols=3, spacing=12, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for c in PETITION_CATEGORIES:
            on = c == chosen
            btn = Btn(("☑ " if on else "☐ ") + self.t(f"cat_{c}"), lambda c=c: self.choose(c),
                      kind="primary" if on else "secondary", size=34 if portrait else 30,
                      height=100 if portrait else 90)
            self.category_buttons[c] = btn
            grid.add_widget(btn)
        form.add_widget(grid)
        form.add_widget(Txt(self.t("petition_text"), size=BODY, bold=True))
        self.text_input = text_input(self.t("petition_text_hint"), size=36, height=230 if portrait else 200)
        self.text_input.multiline = True  # framed like every input; lines wrap
        self.text_input.padding = [20, 20, 20, 20]
        self.text_input.text = self.params.get("text", "")
        self.text_input.bind(text=lambda _w, v: self.params.__setitem__("text", v),
                             focus=lambda w, on: on and self.type_into(w))
        form.add_widget(self.text_input)
        form.add_widget(Txt(self.t("petition_phone"), size=BODY, bold=True))
        self.phone_input = text_input(self.t("petition_phone_hint"), size=40, height=110)
        self.phone_input.text = self.params.get("phone", "")
        self.phone_input.bind(text=lambda _w, v: self.params.__setitem__("phone", v),
                              focus=lambda w, on: on and self.type_into(w))
        form.add_widget(self.phone_input)
        self.status_label = Txt(self.params.get("status", ""), size=SMALL, bold=True, color=ERROR)
        self.send_button = Btn(self.t("petition_send"), self.send, size=48, height=130)
        target = self.phone_input if self.params.get("field") == "phone" else self.text_input
        self.keyboard = Keyboard(target, space_label=self.t("space"), clear_label=self.t("clear"))
        if portrait:
            form.add_widget(self.status_label)
            form.add_widget(self.send_button)
            form.add_widget(Widget())
            self.body.add_widget(form)
            self.body.add_widget(self.keyboard)
            return
        # landscape: the form on the left; what is said, the send button and the keyboard on the
        # right, where a hand reaches them
        form.add_widget(Widget())
        row = BoxLayout(spacing=28)
        row.add_widget(form)
        right = BoxLayout(orientation="vertical", size_hint_x=0.85, spacing=12)
        right.add_widget(Widget())
        right.add_widget(self.status_label)
        right.add_widget(self.send_button)
        right.add_widget(self.keyboard)
        row.add_widget(right)
        self.body.add_widget(row)

    def _build_sent(self, code: str) -> None:
        self.body.add_widget(Widget())
        self.body.add_widget(Txt("✔ " + self.t("petition_sent"), size=60, bold=True, halign="center", color=OK))
        self.body.add_widget(Txt(self.t("petition_code"), size=BODY, halign="center"))
        self.code_label = Txt(esc(code), size=120, bold=True, halign="center", color=PRIMARY)
        self.body.add_widget(self.code_label)
        self.body.add_widget(Txt(self.t("petition_code_hint"), size=BODY, halign="center", color=MUTED))
        self.home_button = Btn(self.t("home"), lambda: self.app.go("home"), size=44, size_hint_x=None, width=520,
                               pos_hint={"center_x": 0.5})
        self.body.add_widget(self.home_button)
        self.body.add_widget(Widget())

    def type_into(self, widget: Any) -> None:
        self.params["field"] = "phone" if widget is self.phone_input else "text"
        self.keyboard.target = widget

    def choose(self, category: str) -> None:
        self.params["category"] = category
        self.params["status"] = ""
        self.refresh()

    def send(self) -> None:
        text = " ".join(self.params.get("text", "").split())
        if not self.params.get("category"):
            self.status_label.text = "⚠ " + self.t("petition_need_category")
            return
        if len(text) < self.TEXT_MIN:
            self.status_label.text = "⚠ " + self.t("petition_need_text")
            return
        self.send_button.disabled = True
        self.status_label.text = self.t("sending")
        self.app.send_petition(self.params["category"], text, self.params.get("phone", "").strip())

    def petition_done(self, code: str | None, why: str = "") -> None:
        if code:
            self.params = {"code": code}
        else:
            self.params["status"] = "⚠ " + self.t("petition_failed", why=why)
        if self.app.current == "petition":
            self.refresh()


class CheckinScreen(KioskScreen):
    """"Tôi đã đặt lịch / đã lấy số từ xa": the citizen types the check-in code on the
    on-screen keyboard (or a scanner types the QR's content, ending with Enter) and the
    number enters the queue. All codes go to one endpoint (POST /api/v1/checkin), whatever
    their kind: the server decides what a code is.

    `params`: code (what is typed), pending (the request in flight), message (not_found,
    too_many, offline, error, missing, checking), result (the server's reply)."""

    title_key = "checkin_title"
    LOOK_EVERY_S = 0.5  # how often a configured camera looks for a QR held up to it

    def on_enter(self, *_: object) -> None:
        """With a camera (app.camera, `checkin_camera`), look for a QR while the screen shows."""
        self._stop_looking()
        if getattr(self.app, "camera", None) is not None:
            self._looking = False
            self._look_event = Clock.schedule_interval(self._look, self.LOOK_EVERY_S)

    def on_leave(self, *_: object) -> None:
        self._stop_looking()

    def _stop_looking(self) -> None:
        event = getattr(self, "_look_event", None)
        if event is not None:
            event.cancel()
        self._look_event = None

    def _look(self, *_: object) -> None:
        camera = getattr(self.app, "camera", None)
        if camera is None or getattr(self, "_looking", False) or self.params.get("pending") is not None \
                or self.params.get("result"):
            return
        self._looking = True

        def seen(text: str | None) -> None:
            self._looking = False
            # a phone left in front of the camera is read once, not checked in again and again
            if not text or text == self.params.get("camera_read") or self.app.current != "checkin":
                return
            self.params["camera_read"] = text
            self.code_input.text = text[:200]
            self.submit()

        def failed(_: BaseException) -> None:
            self._looking = False

        self.app.background(camera.read, seen, failed)

    def build(self) -> None:
        self.message_label: Txt | None = None
        if self.params.get("result"):
            self._build_result(self.params["result"])
            return
        self.code_input = text_input(self.t("checkin_code"), size=64, height=140)
        self.code_input.text = self.params.get("code", "")
        self.code_input.bind(text=self._typed, on_text_validate=lambda *_: self.submit())
        self.keyboard = Keyboard(self.code_input, upper=True, codes=True, clear_label=self.t("clear"))
        form = column(spacing=12)
        form.add_widget(Txt(self.t("checkin_hint"), size=BODY, color=MUTED))
        form.add_widget(Txt(self.t("checkin_code"), size=BODY, bold=True))
        form.add_widget(self.code_input)
        self.checkin_button = Btn(self.t("checkin_button"), self.submit, size=48, height=140)
        self.checkin_button.disabled = self.params.get("pending") is not None
        form.add_widget(self.checkin_button)
        message = self._message_text()
        if message:
            kind = (self.params.get("message") or ("",))[0]
            box = Panel(color=WHITE if kind == "checking" else WARN, orientation="vertical", padding=24,
                        size_hint_y=None, radius=12)
            self.message_label = Txt(message, size=BODY, bold=True, color=TEXT)
            box.add_widget(self.message_label)
            self.message_label.bind(height=lambda *_: setattr(box, "height", self.message_label.height + 48))
            form.add_widget(box)
            if kind == "error":  # e.g. expired: the way on is a walk-in number
                self.walk_in_button = Btn(self.t("walk_in"), lambda: self.app.go("services", fresh=True),
                                          kind="secondary", size=40, height=MIN_TARGET)
                form.add_widget(self.walk_in_button)
        self.form_scroll = scroller(form)
        with_keyboard(self, self.form_scroll, self.keyboard)
        Clock.schedule_once(lambda *_: setattr(self.code_input, "focus", True), 0)

    def _typed(self, widget: Any, text: str) -> None:
        if text != text.upper():
            widget.text = text.upper()
            return
        self.params["code"] = text

    def _message_text(self) -> str:
        kind, *extra = self.params.get("message") or ("",)
        if kind == "checking":
            return self.t("checkin_checking")
        if kind == "too_many":
            seconds = extra[0] if extra and extra[0] else 15 * 60
            return "⚠ " + self.t("checkin_too_many", minutes=max(1, math.ceil(seconds / 60)))
        if kind == "error":
            return "⚠ " + self.t("checkin_failed", why=esc(extra[0] if extra else ""))
        if kind in ("missing", "not_found", "offline"):
            return "⚠ " + self.t(f"checkin_{kind}")
        return ""

    def submit(self) -> None:
        if self.params.get("pending") is not None:
            return  # one check-in at a time
        code = self.code_input.text.strip()
        if len(code.replace("-", "").replace(" ", "")) < 8 and "/" not in code:
            self.params["message"] = ("missing",)
            self.refresh()
            return
        self.app.check_in(code[:200])

    def start_checkin(self, code: str) -> int:
        ticket = self._ticket = getattr(self, "_ticket", 0) + 1
        self.params.update(code=self.code_input.text if hasattr(self, "code_input") else code, pending=ticket,
                           message=("checking",))
        self.params.pop("result", None)
        if self.app.current == "checkin":
            self.refresh()
        return ticket

    def show_result(self, ticket: int, kind: str, data: dict[str, Any] | None = None, why: str = "",
                    retry_after: int | None = None) -> None:
        if self.params.get("pending") != ticket:
            return
        self.params["pending"] = None
        if self.app.current != "checkin":
            return
        if kind == "ok" and data:
            self.params = {"result": data}
        elif kind == "too_many":
            self.params["message"] = ("too_many", retry_after)
        elif kind == "error":
            self.params["message"] = ("error", why)
        else:
            self.params["message"] = (kind,)
        self.refresh()

    def _build_result(self, data: dict[str, Any]) -> None:
        self.body.add_widget(Widget())
        self.body.add_widget(Txt("✔ " + self.t("checkin_done"), size=60, bold=True, halign="center", color=OK))
        if data.get("already_checked_in"):
            self.body.add_widget(Txt(self.t("checkin_again"), size=BODY, halign="center", color=MUTED))
        self.body.add_widget(Txt(self.t("checkin_number"), size=BODY, halign="center"))
        self.code_label = Txt(esc(data.get("code", "")), size=160, bold=True, halign="center", color=PRIMARY)
        self.body.add_widget(self.code_label)
        service = data.get("service_name_en") if self.lang == "en" else data.get("service_name_vi")
        self.service_label = Txt(esc(service or data.get("service_name_vi", "")), size=HEADING, bold=True,
                                 halign="center")
        self.body.add_widget(self.service_label)
        state = (data.get("ticket") or {}).get("state")
        if state == "waiting":
            self.ahead_label = Txt(self.t("checkin_ahead", n=data.get("people_ahead", 0)), size=BODY, halign="center")
            self.body.add_widget(self.ahead_label)
            self.body.add_widget(Txt(self.t("checkin_wait"), size=BODY, halign="center", color=MUTED))
        self.home_button = Btn(self.t("home"), lambda: self.app.go("home"), size=44, size_hint_x=None, width=520,
                               pos_hint={"center_x": 0.5})
        self.body.add_widget(self.home_button)
        self.body.add_widget(Widget())

    def texts(self) -> str:
        """Every text the screen shows now (for tests and the tour)."""
        return "\n".join(w.text for w in self.walk() if isinstance(getattr(w, "text", None), str) and w.text)


SCREENS = {
    "checkin": CheckinScreen,
    "home": HomeScreen, "services": ServicesScreen, "priority": PriorityScreen, "ticket": TicketScreen,
    "procedures": ProceduresScreen, "field": FieldScreen, "procedure": ProcedureScreen, "dossier": DossierScreen,
    "rating": RatingScreen, "petition": PetitionScreen,
}
