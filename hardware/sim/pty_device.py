"""A pseudo-terminal with a reader thread: the serial end of a simulated device.

The device side holds the master; the driver under test opens the slave path
(`/dev/pts/N`) like any serial port. The slave is kept open here too, so the pty
survives the driver closing and reopening it.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable


class PtyDevice:
    def __init__(self, on_data: Callable[[bytes], None]) -> None:
        self._on_data = on_data
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self.path = ""

    def open(self) -> str:
        if self._master is not None:
            return self.path
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self.path = os.ttyname(slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"pty-device-{self.path}", daemon=True)
        self._thread.start()
        return self.path

    def write(self, data: bytes) -> None:
        if self._master is None:
            return
        with self._write_lock:
            try:
                os.write(self._master, data)
            except OSError:
                pass

    def _loop(self) -> None:
        master = self._master
        while not self._stop.is_set() and master is not None:
            try:
                readable, _, _ = select.select([master], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not readable:
                continue
            try:
                data = os.read(master, 1024)
            except OSError:
                time.sleep(0.02)
                continue
            if data:
                self._on_data(data)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = None


class PtyPeer:
    """A simulated serial device on a pty: subclasses set `self._device` and `_receive`."""

    _device: PtyDevice

    @property
    def path(self) -> str:
        return self._device.path

    def open(self) -> str:
        """Start the device; returns the pty path to put in a serial:// URL."""
        return self._device.open()

    def close(self) -> None:
        self._device.close()

    def __enter__(self):  # noqa: ANN204
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
