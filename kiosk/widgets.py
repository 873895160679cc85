"""The kiosk's building blocks: big high-contrast text and buttons, a drawn face, the
on-screen Vietnamese keyboard, the top bar and the offline banner.

Sizes are for a 21-inch 1080p panel read at arm's length: body text 40 px, buttons at
least 110 px high (15 mm is about 90 px), dark text on a light background or white on
deep blue, and every state also said in words (never by colour alone).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

BG = (0.96, 0.97, 0.98, 1)
TEXT = (0.07, 0.07, 0.10, 1)
MUTED = (0.22, 0.24, 0.28, 1)
PRIMARY = (0.03, 0.26, 0.54, 1)  # white on this: contrast about 10:1
PRIMARY_DOWN = (0.02, 0.16, 0.36, 1)
WHITE = (1, 1, 1, 1)
BORDER = (0.03, 0.26, 0.54, 1)
WARN = (1.0, 0.84, 0.0, 1)  # black on yellow
ERROR = (0.62, 0.07, 0.07, 1)  # white on dark red
OK = (0.02, 0.38, 0.16, 1)  # white on dark green
LINE = (0.75, 0.78, 0.82, 1)

BODY = 40
SMALL = 34
HEADING = 54
MIN_TARGET = 110


def paint(widget: Widget, color: tuple[float, ...], radius: float = 0) -> None:
    """Fill `widget`'s background (kept in step with its position and size)."""
    with widget.canvas.before:
        Color(*color)
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()

    def sync(*_: object) -> None:
        shape.pos, shape.size = widget.pos, widget.size

    widget.bind(pos=sync, size=sync)
    sync()


def frame(widget: Widget, color: tuple[float, ...] = LINE, width: float = 2) -> None:
    """Draw a thin frame around `widget` (a white box on the light background needs one)."""
    with widget.canvas.after:
        Color(*color)
        line = Line(width=width)

    def sync(*_: object) -> None:
        line.rectangle = (*widget.pos, *widget.size)

    widget.bind(pos=sync, size=sync)
    sync()


class Txt(Label):
    """Wrapped text whose height follows its content."""

    def __init__(self, text: str = "", size: int = BODY, bold: bool = False, color: tuple[float, ...] = TEXT,
                 halign: str = "left", valign: str = "middle", **kwargs: object) -> None:
        kwargs.setdefault("size_hint_y", None)
        super().__init__(text=text, font_size=size, bold=bold, color=color, halign=halign, valign=valign,
                         markup=True, **kwargs)
        self.bind(width=self._wrap, texture_size=self._fit)
        self._wrap()

    def _wrap(self, *_: object) -> None:
        self.text_size = (max(self.width - 8, 1), None)

    def _fit(self, *_: object) -> None:
        if self.size_hint_y is None:
            self.height = max(self.texture_size[1] + 8, 1)


class Btn(Button):
    """A big button: primary (white on blue), secondary (blue on white, framed), danger, warn."""

    STYLES = {
        "primary": (PRIMARY, WHITE),
        "secondary": (WHITE, PRIMARY),
        "danger": (ERROR, WHITE),
        "ok": (OK, WHITE),
        "key": (WHITE, TEXT),
    }

    def __init__(self, text: str, on_release: Callable[[], object] | None = None, kind: str = "primary",
                 size: int = 44, height: int = MIN_TARGET, halign: str = "center", **kwargs: object) -> None:
        bg, fg = self.STYLES[kind]
        kwargs.setdefault("size_hint_y", None)
        super().__init__(text=text, font_size=size, color=fg, background_normal="", background_down="",
                         background_disabled_normal="", background_color=bg, halign=halign, valign="middle",
                         markup=True, height=height, **kwargs)
        self.kind = kind
        self.min_height = height
        self._action = on_release
        if kind in ("secondary", "key"):
            with self.canvas.after:
                Color(*BORDER if kind == "secondary" else LINE)
                self._frame = Line(width=2.5 if kind == "secondary" else 1.5)
            self.bind(pos=self._sync_frame, size=self._sync_frame)
        self.bind(width=self._wrap, texture_size=self._fit, state=self._pressed)
        self._wrap()

    def _sync_frame(self, *_: object) -> None:
        self._frame.rectangle = (self.x + 1, self.y + 1, self.width - 2, self.height - 2)

    def _wrap(self, *_: object) -> None:
        self.text_size = (max(self.width - 40, 1), None)

    def _fit(self, *_: object) -> None:
        if self.size_hint_y is None:
            self.height = max(self.min_height, self.texture_size[1] + 40)

    def _pressed(self, *_: object) -> None:
        bg, _fg = self.STYLES[self.kind]
        if self.state == "down":
            self.background_color = PRIMARY_DOWN if self.kind == "primary" else (0.85, 0.89, 0.95, 1)
        else:
            self.background_color = bg

    def on_release(self) -> None:
        if self._action is not None and not self.disabled:
            self._action()


class Panel(BoxLayout):
    """A box with a background colour."""

    def __init__(self, color: tuple[float, ...] = WHITE, radius: float = 0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        paint(self, color, radius)


class Face(Widget):
    """A drawn face: big smile, smile or frown (the label under it says which)."""

    COLORS = {"very_satisfied": OK, "satisfied": PRIMARY, "unsatisfied": ERROR}

    def __init__(self, level: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.level = level
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_: object) -> None:
        self.canvas.clear()
        d = min(self.width, self.height) * 0.9
        cx, cy = self.center
        r = d / 2
        with self.canvas:
            Color(*self.COLORS[self.level])
            Ellipse(pos=(cx - r, cy - r), size=(d, d))
            Color(*WHITE)
            for dx in (-0.35, 0.35):
                Ellipse(pos=(cx + dx * r - r * 0.1, cy + 0.2 * r), size=(r * 0.2, r * 0.26))
            w = max(3.0, r * 0.09)
            if self.level == "very_satisfied":
                Line(circle=(cx, cy - 0.05 * r, r * 0.55, 110, 250), width=w)
            elif self.level == "satisfied":
                Line(circle=(cx, cy + 0.15 * r, r * 0.55, 135, 225), width=w)
            else:
                Line(circle=(cx, cy - 0.75 * r, r * 0.5, -40, 40), width=w)


TONES = (("\u0301", "á"), ("\u0300", "à"), ("\u0309", "ả"), ("\u0303", "ã"), ("\u0323", "ạ"))
ROWS = (
    tuple("1234567890"),
    tuple("qwertyuiop"),
    tuple("asdfghjkl") + ("đ",),
    tuple("zxcvbnm") + (".", "-", "\b"),
    ("ă", "â", "ê", "ô", "ơ", "ư"),
)
# What a dossier code or lookup key holds (000.00.06.H56-231027-0361): no tones, no space
CODE_ROWS = (ROWS[0], ROWS[1], tuple("asdfghjkl"), ROWS[3])
KEY_HEIGHT = 92
KEYBOARD_HEIGHT = 6 * KEY_HEIGHT + 5 * 6
CODE_KEYBOARD_HEIGHT = 5 * KEY_HEIGHT + 4 * 6


class Keyboard(BoxLayout):
    """On-screen keyboard with Vietnamese letters and tone marks; types into `target`.

    Ten keys a row at most, so every key is at least 90 px wide on a 1080 px screen. A
    tone key puts its mark on the last letter typed ("a" then "á" gives "á"), so a
    citizen can type with diacritics; search also works without them. With `codes=True` it
    shows only what codes contain (digits, letters, dot, dash) and no tone or space keys.
    """

    def __init__(self, target: TextInput | None = None, upper: bool = False, space_label: str = "Dấu cách",
                 clear_label: str = "Xoá hết", codes: bool = False, **kwargs: object) -> None:
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("spacing", 6)
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", CODE_KEYBOARD_HEIGHT if codes else KEYBOARD_HEIGHT)
        super().__init__(**kwargs)
        self.target = target
        self.upper = upper
        self.keys: dict[str, Btn] = {}
        if codes:
            for row in CODE_ROWS:
                line = BoxLayout(spacing=6)
                for key in row:
                    line.add_widget(self._key(key, key.upper() if upper else key, 40))
                self.add_widget(line)
            last = BoxLayout(spacing=6)
            last.add_widget(self._key("\x18", clear_label, 32))
            self.add_widget(last)
            return
        for row in ROWS:
            line = BoxLayout(spacing=6)
            for key in row:
                line.add_widget(self._key(key, key.upper() if upper else key, 40))
            if len(row) == 6:
                line.add_widget(self._key("\x18", clear_label, 32, 4))
            self.add_widget(line)
        last = BoxLayout(spacing=6)
        for mark, label in TONES:
            last.add_widget(self._key(mark, label, 40))
        last.add_widget(self._key(" ", space_label, 32, 5))
        self.add_widget(last)

    def _key(self, key: str, label: str, size: int, width: float = 1) -> Btn:
        if key == "\b":
            label, size = "⌫", 44
        btn = Btn(label, lambda: self.press(key), kind="key", size=size, height=KEY_HEIGHT, size_hint_y=1,
                  size_hint_x=width)
        self.keys[key] = btn
        return btn

    def press(self, key: str) -> None:
        if self.target is None:
            return
        text = self.target.text
        if key == "\b":
            text = text[:-1]
        elif key == "\x18":
            text = ""
        elif unicodedata.combining(key):
            if text and text[-1].isalpha():
                base = unicodedata.normalize("NFD", text[-1])
                base = "".join(ch for ch in base if ch not in "\u0300\u0301\u0303\u0309\u0323")
                text = text[:-1] + unicodedata.normalize("NFC", base + key)
        else:
            text += key.upper() if self.upper else key
        self.target.text = unicodedata.normalize("NFC", text)
        self.target.cursor = (len(self.target.text), 0)


def text_input(hint: str = "", size: int = 44, **kwargs: object) -> TextInput:
    """A single-line input, large, that also takes a keyboard-wedge scanner's keystrokes."""
    kwargs.setdefault("size_hint_y", None)
    kwargs.setdefault("height", 120)
    box = TextInput(hint_text=hint, font_size=size, multiline=False, write_tab=False, padding=[20, 30, 20, 20],
                    foreground_color=TEXT, background_color=WHITE, background_normal="", background_active="",
                    hint_text_color=MUTED, cursor_color=TEXT, cursor_width=4, **kwargs)
    with box.canvas.after:
        color = Color(*BORDER)
        frame = Line(width=2.5)

    def sync(*_: object) -> None:
        frame.rectangle = (box.x + 1, box.y + 1, box.width - 2, box.height - 2)
        color.rgba = PRIMARY if box.focus else LINE  # focus also shows the blinking cursor

    box.bind(pos=sync, size=sync, focus=sync)
    sync()
    return box
