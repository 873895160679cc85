"""The hall device agent: a process on a PC in the hall that drives the serial LED counter
displays, reads the clerks' serial keypads and speaks the calls on the hall's speakers.

It is a client of the server like any browser: it follows the event stream (resuming with
Last-Event-ID after a disconnect or a server restart, so no call is lost or repeated), and
sends keypad presses to the same counter API with its device token (agent devices may
operate every counter of their site). Devices come and go: a display or keypad that fails
is logged, retried every few seconds and brought up to date when it answers again; the
server going away only pauses the agent.

    agent = HallAgent(AgentConfig(server="http://10.0.0.2:8000", token="mcd_...",
                                  displays=[DisplayBinding(3, "serial:///dev/ttyUSB0?address=3")],
                                  keypads=[KeypadBinding("serial:///dev/ttyUSB1")],
                                  speaker="local://"))
    agent.start(); ...; agent.stop()

`motcua agent` (queue_server/cli/agent.py) builds the configuration from the command line
or a TOML file. Keypad keys: N next, R recall, S start, F finish, X no-show, T + digits + E
transfer to the n-th service of the hall (in the kiosk's order). Pressing N at a closed or
paused counter opens it first (the keypad has no "open" key).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from hardware.keypad import Keypad, KeypadAction
from hardware.serial_display import SerialDisplay
from hardware.serial_url import SerialDeviceError, parse_serial_url
from hardware.speaker import AudioOutputError, Speaker, open_speaker

logger = logging.getLogger("motcua.agent")

CLEAR_KINDS = ("ticket.finished", "ticket.no_show", "ticket.transferred", "ticket.cancelled", "ticket.expired")
FRESH_S = 60.0  # a call older than this (replayed after an outage) updates the displays but is not spoken
RETRY_S = 2.0  # how often a failed display or keypad is tried again
REFRESH_S = 60.0  # every display is sent its state again this often (a board may have been power-cycled)
HEARTBEAT_EVERY_S = 30.0  # the monitor calls an agent silent after minutes (device_silent_minutes)
MESSAGE_S = 6.0  # how long a keypad message stays on an LED board's text area


@dataclass(frozen=True)
class DisplayBinding:
    """An LED board showing one counter: `url` is the serial line (with the board's `address=`)."""

    counter: int
    url: str


@dataclass(frozen=True)
class KeypadBinding:
    """A serial line with keypads; `counters` maps a keypad address to its counter number
    (an address not listed is the counter of the same number)."""

    url: str
    counters: dict[int, int] = field(default_factory=dict)

    def counter_of(self, address: int) -> int:
        return self.counters.get(address, address)


@dataclass
class AgentConfig:
    server: str
    token: str
    displays: list[DisplayBinding] = field(default_factory=list)
    keypads: list[KeypadBinding] = field(default_factory=list)
    speaker: str = "none"  # local://, file:///dir, sim:// or none
    languages: tuple[str, ...] = ("vi",)
    blink_seconds: int = 5
    paused_text: str = "Tạm dừng"
    request_timeout: float = 10.0
    stream_idle_timeout: float = 45.0  # the server sends a keep-alive every 15 s


def parse_display(spec: str) -> DisplayBinding:
    """``serial:///dev/ttyUSB0?address=3`` (counter 3 = the board's address) or
    ``3=serial:///dev/ttyUSB0?address=7`` (counter 3 on the board at address 7)."""
    counter_text, sep, url = spec.partition("=")
    if sep and counter_text.strip().isdigit() and "://" in url:
        counter = int(counter_text)
    else:
        url = spec
        address = parse_serial_url(url, sim_lookup=lambda name: name).address
        if address is None:
            raise ValueError(f"display {spec!r}: give the board's address (…?address=3) or the counter (3=URL)")
        counter = address
    parse_serial_url(url, sim_lookup=lambda name: name)  # checks the URL now, not at the first call
    return DisplayBinding(counter, url)


def parse_keypad_map(items: list[str]) -> dict[int, int]:
    """``["7=3", "8=4"]``: keypad address 7 works counter 3, address 8 counter 4."""
    out: dict[int, int] = {}
    for item in items:
        address, sep, counter = item.partition("=")
        if not sep or not address.strip().isdigit() or not counter.strip().isdigit():
            raise ValueError(f"keypad mapping {item!r} must be ADDRESS=COUNTER, e.g. 7=3")
        out[int(address)] = int(counter)
    return out


class ApiRefused(Exception):
    def __init__(self, status: int, detail: str, detail_en: str = "") -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail, self.detail_en = status, detail, detail_en


@dataclass
class _Led:
    """What one board should show, and what it was last sent."""

    counter: int
    ticket: str = ""
    text: str = ""
    blink: int = 0
    sent: tuple[str, str] | None = None  # (ticket, text) last acknowledged by the line
    sent_at: float = 0.0


class LedLine:
    """One serial line (RS-485 bus) of LED boards, written by its own thread so a slow or
    missing device never holds up the event stream."""

    def __init__(self, url: str, name: str) -> None:
        self.display = SerialDisplay(url)
        self.name = name
        self.boards: dict[int, _Led] = {}  # address -> desired state
        self._cond = threading.Condition()
        self._dirty: set[int] = set()
        self._stop = threading.Event()
        self._down_since: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"led-{name}", daemon=True)

    def add(self, address: int, counter: int) -> None:
        self.boards[address] = _Led(counter)

    def set(self, address: int, *, ticket: str | None = None, text: str | None = None, blink: int = 0) -> None:
        with self._cond:
            board = self.boards[address]
            if ticket is not None:
                board.ticket = ticket
            if text is not None:
                board.text = text
            board.blink = max(board.blink, blink)
            self._dirty.add(address)
            self._cond.notify()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify()
        self._thread.join(timeout=3)
        self.display.close()

    @property
    def up(self) -> bool:
        return self._down_since is None

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if not self._dirty:
                    self._cond.wait(timeout=RETRY_S if self._down_since else 1.0)
                now = time.monotonic()
                for address, board in self.boards.items():
                    if now - board.sent_at > REFRESH_S:
                        self._dirty.add(address)
                jobs = [(a, self.boards[a].counter, self.boards[a].ticket, self.boards[a].text, self.boards[a].blink,
                         self.boards[a].sent) for a in sorted(self._dirty)]
                self._dirty.clear()
            failed = False
            for address, counter, ticket, text, blink, sent in jobs:
                if self._stop.is_set():
                    return
                try:
                    self._apply(address, counter, ticket, text, blink, sent)
                except SerialDeviceError as exc:
                    failed = True
                    self._went_down(exc)
                    break
                with self._cond:
                    board = self.boards[address]
                    board.sent = (ticket, text)
                    board.sent_at = time.monotonic()
                    if board.blink == blink:
                        board.blink = 0
                self._came_back()
            if failed:
                with self._cond:
                    # the line failed: whatever is plugged in when it answers again gets everything
                    for board in self.boards.values():
                        board.sent = None
                    self._dirty.update(self.boards)
                self._stop.wait(RETRY_S)

    def _apply(self, address: int, counter: int, ticket: str, text: str, blink: int,
               sent: tuple[str, str] | None) -> None:
        if sent is None or sent[0] != ticket or blink or time.monotonic() - self.boards[address].sent_at > REFRESH_S:
            self.display.show(counter, ticket, address=address, blink_seconds=blink)
        if sent is None or sent[1] != text:
            self.display.text(text, address=address)

    def _went_down(self, exc: Exception) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.warning("LED display line %s is not answering (%s); retrying every %.0f s", self.name, exc, RETRY_S)

    def _came_back(self) -> None:
        if self._down_since is not None:
            logger.info("LED display line %s is back after %.0f s", self.name, time.monotonic() - self._down_since)
            self._down_since = None


class HallAgent:
    """Follows the hall's events and drives its devices; see the module docstring."""

    def __init__(self, config: AgentConfig, *, speaker: Speaker | None = None,
                 on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.config = config
        self.base = config.server.rstrip("/")
        self.headers = {"Authorization": f"Bearer {config.token}"}
        self.stop_event = threading.Event()
        self.connected = threading.Event()
        self.cursor: int | None = None
        self.counters: dict[int, dict[str, Any]] = {}  # number -> {id, state, current}
        self.services: list[dict[str, Any]] = []
        self.on_event = on_event
        self.events_seen = 0
        self._seen: set[int] = set()
        self._seen_order: list[int] = []
        self._clock_offset = 0.0  # server time - local time (s)
        self._http = httpx.Client(timeout=config.request_timeout, headers=self.headers)
        self._http_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._clear_timers: dict[int, threading.Timer] = {}
        # displays grouped by serial line
        self.lines: dict[str, LedLine] = {}
        self._led_of_counter: dict[int, tuple[LedLine, int]] = {}
        for binding in config.displays:
            endpoint = parse_serial_url(binding.url, sim_lookup=lambda name: f"sim:{name}")
            key = f"{endpoint.port_url}@{endpoint.baudrate}"
            line = self.lines.get(key)
            if line is None:
                line = self.lines[key] = LedLine(binding.url, endpoint.port_url)
            address = endpoint.address if endpoint.address is not None else binding.counter
            line.add(address, binding.counter)
            self._led_of_counter[binding.counter] = (line, address)
        self.speaker = speaker if speaker is not None else (
            None if config.speaker in ("", "none") else open_speaker(config.speaker))
        self._sounds: queue.Queue[tuple[str, str, int, float] | None] = queue.Queue()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> HallAgent:
        for line in self.lines.values():
            line.start()
        self._spawn(self._events_loop, "agent-events")
        for binding in self.config.keypads:
            self._spawn(lambda b=binding: self._keypad_loop(b), f"agent-keypad-{binding.url}")
        if self.speaker is not None:
            self._spawn(self._speaker_loop, "agent-speaker")
        self._spawn(self._heartbeat_loop, "agent-heartbeat")
        return self

    def _heartbeat_loop(self) -> None:
        """Tell the hall's monitor this agent is alive (its silence is an alert)."""
        while not self.stop_event.is_set():
            try:
                self._request("POST", "/api/v1/devices/heartbeat", {})
            except (ApiRefused, httpx.HTTPError) as exc:
                logger.warning("heartbeat not sent: %s", exc)
            self.stop_event.wait(HEARTBEAT_EVERY_S)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        self._sounds.put(None)
        for timer in list(self._clear_timers.values()):
            timer.cancel()
        for thread in self._threads:
            thread.join(timeout=5)
        for line in self.lines.values():
            line.stop()
        self._http.close()

    def run_forever(self) -> None:
        self.start()
        try:
            while not self.stop_event.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # -- HTTP ----------------------------------------------------------------------------------
    def _request(self, method: str, path: str, json_body: Any = None) -> Any:
        with self._http_lock:
            response = self._http.request(method, self.base + path, json=json_body)
        if response.status_code == 204:
            return None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise ApiRefused(response.status_code, body.get("detail") or response.reason_phrase,
                             body.get("detail_en", ""))
        return response.json()

    def _load_hall(self) -> int:
        """Counters, services and the server's clock; returns the snapshot's last event id."""
        snap = self._request("GET", "/api/v1/display/snapshot?calls=0")
        self._clock_offset = datetime.fromisoformat(snap["now"]).timestamp() - time.time()
        counters = {}
        for c in snap["counters"]:
            current = c["current"]
            counters[c["number"]] = {"id": c["id"], "state": c["state"],
                                     "current": {"ticket_id": current["ticket_id"], "code": current["code"]}
                                     if current else None}
        self.counters = counters
        try:
            self.services = self._request("GET", "/api/v1/kiosk/services")["services"]
        except (ApiRefused, httpx.HTTPError) as exc:
            logger.warning("could not read the hall's services (keypad transfers need them): %s", exc)
        return int(snap["last_event_id"])

    # -- the event stream ------------------------------------------------------------------------
    def _events_loop(self) -> None:
        delay = 0.5
        ever_connected = False
        while not self.stop_event.is_set():
            try:
                head = self._load_hall()
                if self.cursor is None:
                    self.cursor = head
                    for number in self.counters:
                        self._show_counter(number, blink=0)
                self._follow()
                delay = 0.5
            except ApiRefused as exc:
                self.connected.clear()
                if exc.status in (401, 403):
                    logger.error("the server refuses the agent's token (%s); check --token", exc.detail_en or exc.detail)
                    delay = 30.0
                else:
                    logger.warning("server answered %s; retrying in %.0f s", exc, delay)
            except (httpx.HTTPError, OSError, ValueError, KeyError) as exc:
                if self.connected.is_set():
                    logger.warning("lost the server at %s (%s); reconnecting", self.base, exc)
                elif not ever_connected and delay == 0.5:
                    logger.info("waiting for the server at %s (%s)", self.base, exc)
                self.connected.clear()
            ever_connected = ever_connected or self.cursor is not None
            if self.stop_event.wait(delay):
                return
            delay = min(delay * 2, 5.0)

    def _follow(self) -> None:
        headers = dict(self.headers)
        if self.cursor is not None:
            headers["Last-Event-ID"] = str(self.cursor)
        timeout = httpx.Timeout(self.config.request_timeout, read=self.config.stream_idle_timeout)
        with httpx.Client(timeout=timeout) as client, client.stream(
            "GET", self.base + "/api/v1/events", params={"kinds": "ticket.,counter."}, headers=headers
        ) as response:
            if response.status_code >= 400:
                response.read()
                try:
                    body = response.json()
                except ValueError:
                    body = {}
                raise ApiRefused(response.status_code, body.get("detail", ""), body.get("detail_en", ""))
            self.connected.set()
            logger.info("following the events of %s from event %s", self.base, self.cursor)
            event_id: int | None = None
            data: list[str] = []
            for line in response.iter_lines():
                if self.stop_event.is_set():
                    return
                if line == "":
                    if data:
                        self._dispatch(event_id, "\n".join(data))
                    event_id, data = None, []
                elif line.startswith(":"):
                    continue
                elif line.startswith("id:"):
                    event_id = int(line[3:].strip())
                elif line.startswith("data:"):
                    data.append(line[5:].removeprefix(" "))
        raise httpx.RemoteProtocolError("the server closed the event stream")

    def _dispatch(self, event_id: int | None, payload: str) -> None:
        event = json.loads(payload)
        event_id = event_id if event_id is not None else event.get("id")
        if event_id is not None:
            self.cursor = event_id
            if event_id in self._seen:
                return
            self._seen.add(event_id)
            self._seen_order.append(event_id)
            if len(self._seen_order) > 5000:
                self._seen.discard(self._seen_order.pop(0))
        self.events_seen += 1
        try:
            self.handle(event)
        except Exception:  # noqa: BLE001 - one odd event must not stop the hall
            logger.exception("could not handle event %s", event_id)
        if self.on_event is not None:
            self.on_event(event)

    def handle(self, event: dict[str, Any]) -> None:
        """Apply one event to the displays and the speakers."""
        kind = event["kind"]
        data = event.get("data") or {}
        number = data.get("counter_number")
        if number is None and event.get("counter_id") is not None:
            number = next((n for n, c in self.counters.items() if c["id"] == event["counter_id"]), None)
        if number is None:
            return
        counter = self.counters.setdefault(number, {"id": event.get("counter_id"), "state": "open", "current": None})
        if kind in ("ticket.called", "ticket.recalled"):
            counter["current"] = {"ticket_id": event.get("ticket_id"), "code": data.get("code", "")}
            counter["state"] = "open"
            self._show_counter(number, blink=self.config.blink_seconds)
            if self._fresh(event):
                for lang in self.config.languages:
                    self._sounds.put((lang, data.get("code", ""), number, time.monotonic()))
        elif kind in CLEAR_KINDS:
            current = counter.get("current")
            if current and current.get("ticket_id") == event.get("ticket_id"):
                counter["current"] = None
                self._show_counter(number)
        elif kind in ("counter.opened", "counter.paused", "counter.closed"):
            counter["state"] = data.get("state") or counter["state"]
            if counter["state"] == "closed":
                counter["current"] = None
            self._show_counter(number)

    def _fresh(self, event: dict[str, Any]) -> bool:
        try:
            at = datetime.fromisoformat(event["at"]).timestamp()
        except (KeyError, ValueError):
            return True
        return time.time() + self._clock_offset - at < FRESH_S

    # -- LED displays ------------------------------------------------------------------------------
    def _show_counter(self, number: int, blink: int = 0) -> None:
        target = self._led_of_counter.get(number)
        counter = self.counters.get(number)
        if target is None or counter is None:
            return
        line, address = target
        current = counter.get("current")
        code = current["code"] if current and counter["state"] != "closed" else ""
        text = self.config.paused_text if counter["state"] == "paused" else ""
        if counter["state"] == "closed":
            text = ""
        line.set(address, ticket=code, text=text, blink=blink)

    def _message(self, number: int, text: str) -> None:
        """A short message on the board's text area (boards without one ignore it), then back."""
        target = self._led_of_counter.get(number)
        if target is None:
            return
        line, address = target
        line.set(address, text=unicodedata.normalize("NFC", text)[:64])
        old = self._clear_timers.pop(number, None)
        if old is not None:
            old.cancel()
        timer = threading.Timer(MESSAGE_S, lambda: self._show_counter(number))
        timer.daemon = True
        self._clear_timers[number] = timer
        timer.start()

    # -- keypads ---------------------------------------------------------------------------------
    def _keypad_loop(self, binding: KeypadBinding) -> None:
        keypad = Keypad(binding.url)
        down_since: float | None = None
        while not self.stop_event.is_set():
            try:
                action = keypad.read_action(timeout=0.5)
            except SerialDeviceError as exc:
                if down_since is None:
                    down_since = time.monotonic()
                    logger.warning("keypad line %s is not answering (%s); retrying every %.0f s",
                                   binding.url, exc, RETRY_S)
                keypad.close()
                self.stop_event.wait(RETRY_S)
                continue
            if down_since is not None:
                logger.info("keypad line %s is back", binding.url)
                down_since = None
            if action is not None:
                self.keypad_action(action, binding)
        keypad.close()

    def keypad_action(self, action: KeypadAction, binding: KeypadBinding | None = None) -> None:
        """Carry out one keypad action through the server's counter API."""
        number = binding.counter_of(action.address) if binding else action.address
        counter = self.counters.get(number)
        if counter is None or counter.get("id") is None:
            # the agent may have just started (the hall not read yet), or the hall gained a counter
            try:
                self._load_hall()
            except (ApiRefused, httpx.HTTPError, ValueError, KeyError) as exc:
                logger.warning("keypad %s at counter %s: could not read the hall: %s", action.address, number, exc)
                self._message(number, "Mất kết nối máy chủ")
                return
            counter = self.counters.get(number)
        if counter is None or counter.get("id") is None:
            logger.warning("keypad %s: no counter %s in this hall", action.address, number)
            return
        base = f"/api/v1/counters/{counter['id']}"
        logger.info("keypad %s at counter %s: %s %s", action.address, number, action.action, action.argument or "")
        try:
            if action.action == "next":
                if counter.get("state") != "open":
                    self._request("POST", f"{base}/open")
                    counter["state"] = "open"
                if self._request("POST", f"{base}/call-next") is None:
                    self._message(number, "Hết số chờ")
            elif action.action in ("recall", "start", "finish", "no_show"):
                self._request("POST", f"{base}/{action.action.replace('_', '-')}", {})
            elif action.action == "transfer":
                index = int(action.argument or "0")
                if not 1 <= index <= len(self.services):
                    self._message(number, f"Không có dịch vụ số {index}")
                    return
                self._request("POST", f"{base}/transfer", {"service_id": self.services[index - 1]["id"]})
            elif action.action == "number":
                self._message(number, "Gọi số chỉ định: dùng bàn gọi số")
                logger.info("keypad %s: calling a given ticket needs a supervisor at the console", action.address)
        except ApiRefused as exc:
            logger.warning("keypad %s at counter %s: %s refused: %s", action.address, number, action.action,
                           exc.detail)
            self._message(number, exc.detail)
        except httpx.HTTPError as exc:
            logger.warning("keypad %s at counter %s: server unreachable: %s", action.address, number, exc)
            self._message(number, "Mất kết nối máy chủ")

    # -- speakers ----------------------------------------------------------------------------------
    def _speaker_loop(self) -> None:
        assert self.speaker is not None
        while not self.stop_event.is_set():
            item = self._sounds.get()
            if item is None:
                return
            lang, code, counter, queued = item
            if time.monotonic() - queued > FRESH_S:
                continue
            path = f"/api/v1/announcements/{lang}/{quote(code, safe='')}/{counter}.wav"
            wav = None
            while wav is None and not self.stop_event.is_set() and time.monotonic() - queued < FRESH_S:
                try:  # the server may be restarting: try again while the call is still news
                    with self._http_lock:
                        response = self._http.get(self.base + path)
                    response.raise_for_status()
                    wav = response.content
                except httpx.HTTPStatusError as exc:
                    logger.warning("could not get the announcement of %s at counter %s (%s): %s", code, counter,
                                   lang, exc)
                    break
                except httpx.HTTPError as exc:
                    logger.info("announcement of %s not fetched yet (%s); retrying", code, exc)
                    self.stop_event.wait(RETRY_S)
            if wav is None:
                continue
            try:
                self.speaker.play(wav)
            except AudioOutputError as exc:
                logger.warning("could not play the announcement of %s at counter %s: %s", code, counter, exc)


__all__ = ["AgentConfig", "DisplayBinding", "HallAgent", "KeypadBinding", "LedLine", "parse_display",
           "parse_keypad_map"]
