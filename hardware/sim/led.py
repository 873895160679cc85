"""A virtual bus of LED counter boards on a pseudo-terminal.

    board = VirtualLedBoard()            # every address answers; or addresses={3, 4}
    path = board.open()                  # "/dev/pts/7": the display URL is serial:///dev/pts/7?address=3
    ...
    board.shown[3]                       # BoardState(counter="3", ticket="A012", brightness=100, ...)
    board.wait_for(lambda b: b.shown.get(3) and b.shown[3].ticket == "A012")
    board.close()

It decodes the frames of `hardware.serial_frames` and keeps what each address shows,
acknowledging frames addressed to it (not broadcasts), like a real board.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hardware.serial_frames import BROADCAST, Frame, FrameDecoder, encode_frame
from hardware.sim.pty_device import PtyDevice, PtyPeer


@dataclass
class BoardState:
    """What one board shows."""

    counter: str = ""
    ticket: str = ""
    text: str = ""
    brightness: int = 100
    blink_seconds: int = 0
    frames: int = 0


@dataclass
class VirtualLedBoard(PtyPeer):
    """One or more LED boards on one simulated serial line."""

    addresses: set[int] | None = None  # None: every address 1-254 is a board
    shown: dict[int, BoardState] = field(default_factory=dict)
    frames: list[Frame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._decoder = FrameDecoder()
        self._device = PtyDevice(self._receive)
        self._changed = threading.Condition()

    def _has(self, address: int) -> bool:
        return address != BROADCAST and (self.addresses is None or address in self.addresses)

    def _receive(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            targets = (
                sorted(self.addresses or self.shown.keys()) if frame.address == BROADCAST else [frame.address]
            )
            applied = False
            for address in targets:
                if self._has(address):
                    applied = self._apply(address, frame) or applied
            with self._changed:
                self.frames.append(frame)
                self._changed.notify_all()
            if frame.address != BROADCAST and self._has(frame.address):
                reply = "A" if applied else "N"
                self._device.write(encode_frame(frame.address, reply, frame.command.encode()))

    def _apply(self, address: int, frame: Frame) -> bool:
        state = self.shown.setdefault(address, BoardState())
        state.frames += 1
        try:
            if frame.command == "S":
                counter, _, ticket = frame.data.decode("utf-8").partition("\x1f")
                state.counter, state.ticket = counter, ticket
            elif frame.command == "T":
                state.text = frame.data.decode("utf-8")
            elif frame.command == "B" and len(frame.data) == 1 and frame.data[0] <= 100:
                state.brightness = frame.data[0]
            elif frame.command == "K" and len(frame.data) == 1:
                state.blink_seconds = frame.data[0]
            elif frame.command == "C":
                state.counter = state.ticket = state.text = ""
                state.blink_seconds = 0
            elif frame.command == "P":
                pass
            else:
                return False
        except UnicodeDecodeError:
            return False
        return True

    def wait_for(self, condition: Callable[[VirtualLedBoard], object], timeout: float = 5.0) -> bool:
        """Wait until `condition(self)` is true; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(timeout=min(left, 0.05))
        return True


_BOARDS: dict[str, VirtualLedBoard] = {}
_LOCK = threading.Lock()


def virtual_led_board(name: str = "default") -> VirtualLedBoard:
    """The in-process virtual board bus `name` (opened on first use): what `sim://name` talks to."""
    with _LOCK:
        board = _BOARDS.get(name)
        if board is None:
            board = VirtualLedBoard()
            board.open()
            _BOARDS[name] = board
        return board
