"""A virtual clerk keypad (or a bus of them) on a pseudo-terminal.

    keypad = VirtualKeypad(address=3)
    path = keypad.open()                 # the keypad URL is serial:///dev/pts/8
    keypad.press("next")                 # or "N"; sends one key frame from address 3
    keypad.type("T5E")                   # transfer to 5: T, 5, Enter
    keypad.press("recall", address=4)    # another keypad on the same bus
    keypad.acks                          # keys the host acknowledged
    keypad.close()

Key names: next, recall, start, finish, no_show, transfer, enter, clear, 0-9 (or the
key letters N R S F X T E C). Frames are those of `hardware.serial_frames`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from hardware.keypad import KEY_BY_NAME, KEYS
from hardware.serial_frames import FrameDecoder, encode_frame
from hardware.sim.pty_device import PtyDevice, PtyPeer


@dataclass
class VirtualKeypad(PtyPeer):
    address: int = 1
    acks: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._decoder = FrameDecoder()
        self._device = PtyDevice(self._receive)
        self._lock = threading.Lock()

    def press(self, key: str, address: int | None = None) -> None:
        """Press one key, by name ("next", "5") or letter ("N")."""
        letter = KEY_BY_NAME.get(key.lower().replace("-", "_"), key.upper())
        if letter not in KEYS:
            raise ValueError(f"unknown key {key!r}; keys: {', '.join(sorted(KEY_BY_NAME))}")
        self._device.write(encode_frame(address or self.address, "K", letter.encode()))

    def type(self, keys: str, address: int | None = None) -> None:
        """Press each key letter of a string in turn, e.g. "12E" or "T5E"."""
        for letter in keys:
            self.press(letter, address)

    def _receive(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            if frame.command == "A":
                with self._lock:
                    self.acks.append((frame.address, frame.data.decode("ascii", errors="replace")))


_KEYPADS: dict[str, VirtualKeypad] = {}
_LOCK = threading.Lock()


def virtual_keypad(name: str = "default") -> VirtualKeypad:
    """The in-process virtual keypad bus `name` (opened on first use): what `sim://name` talks to."""
    with _LOCK:
        keypad = _KEYPADS.get(name)
        if keypad is None:
            keypad = VirtualKeypad()
            keypad.open()
            _KEYPADS[name] = keypad
        return keypad
