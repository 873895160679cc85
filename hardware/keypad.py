"""Clerk keypads on a serial line: key presses decoded to counter actions.

    keypad = Keypad("serial:///dev/ttyUSB1?baudrate=9600")      # every keypad on the bus
    for action in keypad.actions():                               # blocks
        print(action.address, action.action, action.argument)     # 3 next None / 3 transfer "5"

Frames are those of `hardware.serial_frames`. A keypad sends, for each key press:

    ADDR = the keypad's address (usually its counter), CMD = "K", DATA = one key byte:
    N next   R recall   S start   F finish   X no-show   T transfer
    0-9 digits          E enter   C clear

and the host may answer `A` (DATA = the key) so the keypad beeps. Key sequences
become actions, per keypad address:

    N / R / S / F / X              -> next, recall, start, finish, no_show
    digits then E                  -> number (argument: the digits), e.g. call ticket 12
    T, digits, E                   -> transfer (argument: the digits, e.g. counter or service 5)
    C                              -> clear (forgets digits typed so far)

With `address=` in the URL only that keypad's presses are read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import serial

from hardware.serial_frames import FrameDecoder, encode_frame
from hardware.serial_url import SERIAL_ERRORS, SerialDeviceError, open_port, parse_serial_url

Action = Literal["next", "recall", "start", "finish", "no_show", "transfer", "number", "clear"]

KEYS: dict[str, str] = {
    "N": "next",
    "R": "recall",
    "S": "start",
    "F": "finish",
    "X": "no_show",
    "T": "transfer",
    "E": "enter",
    "C": "clear",
    **{digit: digit for digit in "0123456789"},
}
KEY_BY_NAME: dict[str, str] = {name: key for key, name in KEYS.items()}
_SIMPLE: dict[str, Action] = {"N": "next", "R": "recall", "S": "start", "F": "finish", "X": "no_show"}


@dataclass(frozen=True)
class KeypadAction:
    """What a clerk asked for at one keypad."""

    address: int
    action: Action
    argument: str | None = None


@dataclass
class KeySequenceDecoder:
    """Turns key presses into actions, keeping typed digits per keypad address."""

    _digits: dict[int, str] = field(default_factory=dict)
    _transfer: dict[int, bool] = field(default_factory=dict)

    def press(self, address: int, key: str) -> KeypadAction | None:
        key = key.upper()
        if key in _SIMPLE:
            self._reset(address)
            return KeypadAction(address, _SIMPLE[key])
        if key.isdigit():
            self._digits[address] = (self._digits.get(address, "") + key)[-12:]
            return None
        if key == "T":
            self._digits[address] = ""
            self._transfer[address] = True
            return None
        if key == "C":
            self._reset(address)
            return KeypadAction(address, "clear")
        if key == "E":
            digits = self._digits.get(address, "")
            transfer = self._transfer.get(address, False)
            self._reset(address)
            if not digits:
                return None
            return KeypadAction(address, "transfer" if transfer else "number", digits)
        return None  # unknown key: ignored

    def _reset(self, address: int) -> None:
        self._digits.pop(address, None)
        self._transfer.pop(address, None)


class Keypad:
    """Reads key frames from a serial line and yields `KeypadAction`s."""

    def __init__(self, url: str, acknowledge: bool = True) -> None:
        def sim_path(name: str) -> str:
            from hardware.sim.keypad import virtual_keypad

            return virtual_keypad(name).path

        self.endpoint = parse_serial_url(url, sim_lookup=sim_path)
        self.address = self.endpoint.address
        self.acknowledge = acknowledge
        self._frames = FrameDecoder()
        self._keys = KeySequenceDecoder()
        self._pending: list[KeypadAction] = []
        self._port: serial.SerialBase | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open the serial line now (otherwise on first use). Key presses before this are lost,
        as on a real line. Raises SerialDeviceError naming the path when it is missing."""
        with self._lock:
            self._open()

    def _open(self) -> serial.SerialBase:
        if self._port is None or not self._port.is_open:
            self._port = open_port(self.endpoint, read_timeout=0.05)
        return self._port

    def read_action(self, timeout: float | None = None) -> KeypadAction | None:
        """The next action, waiting up to `timeout` seconds (None: for ever). None on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._pending:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                port = self._open()
                try:
                    data = port.read(64)
                except SERIAL_ERRORS as error:
                    self.close()
                    raise SerialDeviceError(f"{self.endpoint.port_url}: {error}") from error
                for frame in self._frames.feed(data):
                    if frame.command != "K" or len(frame.data) != 1:
                        continue
                    if self.address is not None and frame.address != self.address:
                        continue
                    key = chr(frame.data[0])
                    if self.acknowledge:
                        try:
                            port.write(encode_frame(frame.address, "A", frame.data))
                        except SERIAL_ERRORS:
                            pass
                    action = self._keys.press(frame.address, key)
                    if action is not None:
                        self._pending.append(action)
            return self._pending.pop(0)

    def actions(self) -> Iterator[KeypadAction]:
        """Every action, as it comes (blocks between presses)."""
        while True:
            action = self.read_action()
            if action is not None:
                yield action

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass

    def __enter__(self) -> Keypad:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
