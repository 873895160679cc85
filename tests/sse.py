"""A small Server-Sent Events reader for tests: a thread that collects events."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx


class SSEReader:
    def __init__(self, url: str, *, last_event_id: int | None = None, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = dict(headers or {})
        if last_event_id is not None:
            self.headers["Last-Event-ID"] = str(last_event_id)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self._stop = threading.Event()
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> SSEReader:
        self._thread.start()
        if not self.connected.wait(15):
            raise RuntimeError(f"SSE stream did not connect: {self.error}")
        return self

    def _run(self) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(5, read=None)) as client, client.stream(
                "GET", self.url, headers=self.headers
            ) as response:
                response.raise_for_status()
                event: dict[str, Any] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith("id: "):
                        event["id"] = int(line[4:])
                    elif line.startswith("data: "):
                        event["data"] = json.loads(line[6:])
                    elif line == "" and event:
                        event["data"]["received_at"] = time.monotonic()
                        self.events.put(event["data"])
                        event = {}
        except Exception as exc:  # noqa: BLE001
            self.error = exc
            self.connected.set()

    def take(self, n: int, timeout: float = 15) -> list[dict[str, Any]]:
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"got {len(out)} of {n} events: {[e['kind'] for e in out]}; error={self.error}")
            try:
                out.append(self.events.get(timeout=remaining))
            except queue.Empty:
                continue
        return out

    def quiet(self, seconds: float = 1.0) -> list[dict[str, Any]]:
        """Whatever else arrives within `seconds` (expected: nothing)."""
        time.sleep(seconds)
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    def stop(self) -> None:
        self._stop.set()
