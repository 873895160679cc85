"""LED counter displays on a serial line (RS-485 multi-drop): show the ticket called to a counter.

    display = SerialDisplay("serial:///dev/ttyUSB0?baudrate=9600&address=3")
    display.show(counter=3, ticket="A012", blink_seconds=5)
    display.brightness(60)
    display.clear()

Frames are those of `hardware.serial_frames` (STX ADDR CMD LEN DATA CHK ETX). Commands
from the host to a board:

    S  show       DATA = counter 0x1F ticket   (UTF-8; e.g. b"3\\x1fA012")
    T  text       DATA = a free text line      (boards with a text area, e.g. "Tạm nghỉ")
    B  brightness DATA = 1 byte, 0-100 (%)
    K  blink      DATA = 1 byte, seconds to blink what is shown (0 = stop)
    C  clear      no DATA
    P  ping       no DATA

A board answers every frame addressed to it (not broadcast) with `A` (ack, DATA = the
command letter) or `N` (nak, DATA = the command letter): the driver waits for it only
when asked (`ack=1` in the URL, or `ping`). Boards that cannot blink or dim ignore B/K.
"""

from __future__ import annotations

import threading
import time

import serial

from hardware.serial_frames import BROADCAST, FrameDecoder, encode_frame
from hardware.serial_url import SERIAL_ERRORS, SerialDeviceError, open_port, parse_serial_url


def _sim_display_path(name: str) -> str:
    from hardware.sim.led import virtual_led_board

    return virtual_led_board(name).path


class SerialDisplay:
    """One serial line with one or more LED boards on it."""

    def __init__(self, url: str, ack: bool | None = None, ack_timeout: float = 0.3) -> None:
        self.endpoint = parse_serial_url(url, sim_lookup=_sim_display_path)
        self.address = self.endpoint.address or BROADCAST
        self.ack = ack if ack is not None else self.endpoint.options.get("ack", "0") in ("1", "true", "yes")
        self.ack_timeout = ack_timeout
        self._port: serial.SerialBase | None = None
        self._lock = threading.Lock()
        self._decoder = FrameDecoder()

    def open(self) -> None:
        """Open the serial line now (otherwise on first use). Key presses before this are lost,
        as on a real line. Raises SerialDeviceError naming the path when it is missing."""
        with self._lock:
            self._open()

    def _open(self) -> serial.SerialBase:
        if self._port is None or not self._port.is_open:
            self._port = open_port(self.endpoint, read_timeout=0.05)
        return self._port

    def send(self, command: str, data: bytes = b"", address: int | None = None, ack: bool | None = None) -> bool:
        """Send one frame; with ack, wait for the board's answer. Returns whether it was acknowledged
        (always True without ack). Raises SerialDeviceError when the line cannot be written."""
        target = address if address is not None else self.address
        wait = (self.ack if ack is None else ack) and target != BROADCAST
        frame = encode_frame(target, command, data)
        with self._lock:
            port = self._open()
            try:
                if wait:
                    port.reset_input_buffer()
                port.write(frame)
            except SERIAL_ERRORS as error:
                self.close()
                raise SerialDeviceError(f"{self.endpoint.port_url}: {error}") from error
            if not wait:
                return True
            deadline = time.monotonic() + self.ack_timeout
            while time.monotonic() < deadline:
                try:
                    chunk = port.read(64)
                except SERIAL_ERRORS as error:
                    self.close()
                    raise SerialDeviceError(f"{self.endpoint.port_url}: {error}") from error
                for reply in self._decoder.feed(chunk):
                    if reply.address == target and reply.data[:1] == command.encode():
                        return reply.command == "A"
            return False

    def show(self, counter: str | int, ticket: str, address: int | None = None, blink_seconds: int = 0) -> bool:
        """Show `ticket` called to `counter`; optionally blink it for a few seconds."""
        data = f"{counter}\x1f{ticket}".encode()
        ok = self.send("S", data, address)
        if blink_seconds:
            ok = self.blink(blink_seconds, address) and ok
        return ok

    def text(self, text: str, address: int | None = None) -> bool:
        import unicodedata

        return self.send("T", unicodedata.normalize("NFC", text).encode()[:255], address)

    def brightness(self, percent: int, address: int | None = None) -> bool:
        return self.send("B", bytes([max(0, min(100, int(percent)))]), address)

    def blink(self, seconds: int, address: int | None = None) -> bool:
        return self.send("K", bytes([max(0, min(255, int(seconds)))]), address)

    def clear(self, address: int | None = None) -> bool:
        return self.send("C", b"", address)

    def ping(self, address: int | None = None) -> bool:
        """True when the board at `address` answers."""
        return self.send("P", b"", address, ack=True)

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass

    def __enter__(self) -> SerialDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
