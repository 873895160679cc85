"""Printers by URL: open, print bytes with a write timeout, ask for status, reconnect.

    printer = open_printer("serial:///dev/ttyUSB0?baudrate=19200", profile="TM-T20II", width_mm=80)
    printer.status()            # PrinterStatus, "unknown" when the printer is silent
    printer.print_bytes(data)   # raises PrinterTimeout / PrinterOffline / DeviceMissing
    printer.close()

URLs (python-escpos does the opening; we add the timeouts it lacks):

    usb://04b8:0202[?in_ep=0x82&out_ep=0x01]     pyusb + libusb
    serial:///dev/ttyUSB0?baudrate=19200         also &rtscts=1, &xonxoff=1, &dsrdtr=1
    tcp://10.0.0.5[:9100]                        raw TCP ("JetDirect")
    file:///tmp/slip.bin                         writes the raw job (a file, FIFO or /dev/usb/lp0)
    sim://                                       the in-process virtual printer "default"
    sim://NAME                                   the in-process virtual printer NAME
    sim://127.0.0.1:9100                         a virtual printer in another process (TCP)

Query parameters for every scheme: `profile=` (python-escpos model), `width=58|80`,
`timeout=` (write stall timeout, s), `status_timeout=` (s), `status=none` (the printer
never answers status queries: do not ask, print anyway).

Bounds (documented, tested):

* **Write**: data goes in chunks of `CHUNK` bytes; a chunk that makes no progress for
  `timeout` seconds (default 3 s) raises PrinterTimeout. A printer that stops reading
  therefore blocks the caller at most `timeout` + the transmit time of one chunk
  (0.53 s at 9600 baud) after it stopped. TCP send buffers are kept small so data
  cannot vanish into kernel buffers.
* **Status**: each DLE EOT query waits at most `status_timeout` (default 0.5 s); a
  silent printer costs one wait, an answering one three round trips.
* **Reconnect**: any transport error closes the connection; the next call reopens
  it, so a USB or serial printer that was unplugged works again when it comes back.
  A job that failed half-way is not re-sent (that could print a slip twice): the
  caller gets the error and decides.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from hardware.printer.errors import (
    BadPrinterUrl,
    DeviceMissing,
    PrinterError,
    PrinterOffline,
    PrinterTimeout,
    UnknownScheme,
)
from hardware.printer.profiles import PrinterProfile, resolve_profile
from hardware.printer.status import DLE_EOT, PrinterStatus, offline, parse_replies, unknown, valid_reply

SCHEMES = ("usb", "serial", "tcp", "file", "sim")
CHUNK = 512
DEFAULT_WRITE_TIMEOUT = 3.0
DEFAULT_STATUS_TIMEOUT = 0.5
TCP_SEND_BUFFER = 16 * 1024


def _serial_errors() -> tuple[type[BaseException], ...]:
    """What a serial port raises when the device went away (termios.error is no OSError)."""
    import serial

    errors: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
    try:
        import termios

        errors += (termios.error,)
    except ImportError:  # Windows
        pass
    return errors


class Transport(Protocol):
    """A byte pipe to a printer. `open` raises DeviceMissing/PrinterOffline; others raise PrinterError."""

    description: str
    can_read: bool

    def open(self) -> None: ...

    def write(self, data: bytes, stall_timeout: float) -> None: ...

    def read(self, size: int, timeout: float) -> bytes: ...

    def drain(self) -> None: ...

    def close(self, discard: bool = False) -> None: ...

    @property
    def is_open(self) -> bool: ...


# --- transports --------------------------------------------------------------------------


class SerialTransport:
    """RS-232 / USB-serial printers through python-escpos' Serial, with write timeouts."""

    can_read = True

    def __init__(self, path: str, baudrate: int = 9600, rtscts: bool = False, xonxoff: bool = False,
                 dsrdtr: bool = False) -> None:
        self.path = path
        self.baudrate = baudrate
        self.rtscts, self.xonxoff, self.dsrdtr = rtscts, xonxoff, dsrdtr
        self.description = f"serial://{path}?baudrate={baudrate}"
        self._serial = None  # the pyserial port python-escpos opened

    @property
    def is_open(self) -> bool:
        return bool(self._serial is not None and self._serial.is_open)

    def open(self) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Serial

        if not os.path.exists(self.path):
            raise DeviceMissing(self.path)
        printer = Serial(devfile=self.path, baudrate=self.baudrate, timeout=0, xonxoff=self.xonxoff,
                         dsrdtr=self.dsrdtr)
        try:
            printer.open()
        except DeviceNotFoundError as error:
            raise DeviceMissing(self.path, f"cannot open {self.path}: {error}") from error
        port = printer.device
        port.rtscts = self.rtscts
        # From here on we own the port: python-escpos' close() would flush (tcdrain), which
        # blocks for ever on a printer that stopped reading.
        printer._device = False
        self._serial = port

    def _device(self):
        if not self.is_open:
            raise PrinterOffline(f"{self.description} is not open")
        return self._serial

    def write(self, data: bytes, stall_timeout: float) -> None:
        import serial

        device = self._device()
        device.write_timeout = stall_timeout
        sent = 0
        try:
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                device.write(chunk)
                sent += len(chunk)
        except serial.SerialTimeoutException as error:
            raise PrinterTimeout(
                f"{self.description}: no progress for {stall_timeout:.1f} s; sent {sent} of {len(data)} bytes"
            ) from error
        except _serial_errors() as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def read(self, size: int, timeout: float) -> bytes:
        device = self._device()
        device.timeout = timeout
        try:
            return device.read(size)
        except _serial_errors() as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def drain(self) -> None:
        try:
            self._device().reset_input_buffer()
        except _serial_errors() as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def close(self, discard: bool = False) -> None:
        device, self._serial = self._serial, None
        if device is not None:
            try:
                if discard:  # a stalled printer: drop what it did not take, or close() waits for it
                    device.reset_output_buffer()
                device.close()
            except Exception:
                pass


class TcpTransport:
    """Network printers (raw port 9100) through python-escpos' Network, with write timeouts."""

    can_read = True

    def __init__(self, host: str, port: int = 9100, connect_timeout: float = 3.0) -> None:
        self.host, self.port = host, port
        self.connect_timeout = connect_timeout
        self.description = f"tcp://{host}:{port}"
        self._sock: socket.socket | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Network

        printer = Network(host=self.host, port=self.port, timeout=self.connect_timeout)
        try:
            printer.open()
        except DeviceNotFoundError as error:
            raise PrinterOffline(f"cannot connect to {self.description}: {error}") from error
        sock = printer.device
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, TCP_SEND_BUFFER)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        printer._device = False  # we own the socket from here on
        self._sock = sock

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise PrinterOffline(f"{self.description} is not connected")
        return self._sock

    def write(self, data: bytes, stall_timeout: float) -> None:
        sock = self._socket()
        sent = 0
        view = memoryview(data)
        try:
            while sent < len(data):
                sock.settimeout(stall_timeout)
                sent += sock.send(view[sent : sent + CHUNK])
        except TimeoutError as error:
            raise PrinterTimeout(
                f"{self.description}: no progress for {stall_timeout:.1f} s; sent {sent} of {len(data)} bytes"
            ) from error
        except OSError as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def read(self, size: int, timeout: float) -> bytes:
        sock = self._socket()
        sock.settimeout(timeout)
        try:
            data = sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as error:
            raise PrinterOffline(f"{self.description}: {error}") from error
        if not data:
            raise PrinterOffline(f"{self.description}: connection closed by the printer")
        return data

    def drain(self) -> None:
        sock = self._socket()
        sock.settimeout(0)
        try:
            while True:
                data = sock.recv(256)
                if not data:
                    raise PrinterOffline(f"{self.description}: connection closed by the printer")
        except (BlockingIOError, TimeoutError):
            return
        except OSError as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def close(self, discard: bool = False) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


class UsbTransport:
    """USB printers through python-escpos' Usb (pyusb + libusb), with USB transfer timeouts."""

    can_read = True

    def __init__(self, vendor: int, product: int, in_ep: int = 0x82, out_ep: int = 0x01) -> None:
        self.vendor, self.product, self.in_ep, self.out_ep = vendor, product, in_ep, out_ep
        self.description = f"usb://{vendor:04x}:{product:04x}"
        self._printer = None

    @property
    def is_open(self) -> bool:
        return self._printer is not None

    def open(self) -> None:
        try:
            import usb.core  # noqa: F401
            from escpos.exceptions import DeviceNotFoundError
            from escpos.printer import Usb
        except ImportError as error:
            raise PrinterOffline(f"{self.description}: pyusb is not installed ({error})") from error
        printer = Usb(self.vendor, self.product, timeout=int(DEFAULT_WRITE_TIMEOUT * 1000),
                      in_ep=self.in_ep, out_ep=self.out_ep)
        try:
            printer.open()
        except DeviceNotFoundError as error:
            raise DeviceMissing(self.description, f"USB printer {self.description} not found: {error}") from error
        except Exception as error:  # usb.core.NoBackendError: libusb missing
            raise PrinterOffline(f"{self.description}: {error}") from error
        self._printer = printer

    def _device(self):
        if self._printer is None:
            raise PrinterOffline(f"{self.description} is not open")
        return self._printer.device

    def write(self, data: bytes, stall_timeout: float) -> None:
        import usb.core

        device = self._device()
        sent = 0
        try:
            while sent < len(data):
                sent += device.write(self.out_ep, data[sent : sent + CHUNK], int(stall_timeout * 1000))
        except usb.core.USBTimeoutError as error:
            raise PrinterTimeout(
                f"{self.description}: no progress for {stall_timeout:.1f} s; sent {sent} of {len(data)} bytes"
            ) from error
        except usb.core.USBError as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def read(self, size: int, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self._device().read(self.in_ep, max(size, 64), max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as error:
            raise PrinterOffline(f"{self.description}: {error}") from error

    def drain(self) -> None:
        while self.read(64, 0.01):
            pass

    def close(self, discard: bool = False) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:
                pass


class FileTransport:
    """file:///path: a regular file gets the raw job (python-escpos' File); a device node or FIFO
    is written without blocking, with the same stall timeout, and read for status when it can be."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"file://{path}"
        self.can_read = False
        self._printer = None
        self._fd: int | None = None

    @property
    def is_open(self) -> bool:
        return self._printer is not None or self._fd is not None

    def open(self) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import File

        path = Path(self.path)
        if not path.parent.is_dir():
            raise DeviceMissing(self.path, f"no such directory for the printer file: {path.parent}")
        if path.exists() and not path.is_file():  # character device (/dev/usb/lp0) or FIFO
            mode = path.stat().st_mode
            flags = os.O_NONBLOCK | os.O_NOCTTY
            try:
                if stat.S_ISCHR(mode):
                    try:
                        self._fd = os.open(self.path, os.O_RDWR | flags)
                        self.can_read = True
                    except OSError:
                        self._fd = os.open(self.path, os.O_WRONLY | flags)
                        self.can_read = False
                else:
                    self._fd = os.open(self.path, os.O_WRONLY | flags)
            except FileNotFoundError as error:
                raise DeviceMissing(self.path) from error
            except OSError as error:  # ENXIO: a FIFO with no reader; EBUSY, EACCES...
                raise PrinterOffline(f"{self.description}: {error.strerror}") from error
            return
        printer = File(devfile=self.path)
        try:
            printer.open()
        except DeviceNotFoundError as error:
            raise DeviceMissing(self.path, f"cannot open {self.path}: {error}") from error
        self._printer = printer

    def write(self, data: bytes, stall_timeout: float) -> None:
        if self._printer is not None:
            try:
                self._printer.device.write(data)
                self._printer.device.flush()
            except OSError as error:
                raise PrinterOffline(f"{self.description}: {error}") from error
            return
        if self._fd is None:
            raise PrinterOffline(f"{self.description} is not open")
        sent = 0
        while sent < len(data):
            _, writable, _ = select.select([], [self._fd], [], stall_timeout)
            if not writable:
                raise PrinterTimeout(
                    f"{self.description}: no progress for {stall_timeout:.1f} s; sent {sent} of {len(data)} bytes"
                )
            try:
                sent += os.write(self._fd, data[sent : sent + CHUNK])
            except BlockingIOError:
                continue
            except OSError as error:
                raise PrinterOffline(f"{self.description}: {error.strerror}") from error

    def read(self, size: int, timeout: float) -> bytes:
        if self._fd is None or not self.can_read:
            return b""
        readable, _, _ = select.select([self._fd], [], [], timeout)
        if not readable:
            return b""
        try:
            return os.read(self._fd, size)
        except BlockingIOError:
            return b""
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EINTR):
                return b""
            raise PrinterOffline(f"{self.description}: {error.strerror}") from error

    def drain(self) -> None:
        while self.read(64, 0):
            pass

    def close(self, discard: bool = False) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:
                pass
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


# --- URL parsing -------------------------------------------------------------------------


@dataclass
class PrinterUrl:
    """A parsed printer URL."""

    url: str
    scheme: str
    transport: Transport
    options: dict[str, str] = field(default_factory=dict)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _int(url: str, name: str, value: str, base: int = 10) -> int:
    try:
        return int(value, base)
    except ValueError as error:
        raise BadPrinterUrl(f"{name} must be a number in {url!r}, not {value!r}") from error


def parse_printer_url(url: str) -> PrinterUrl:
    """Parse a printer URL into a transport and options; raises UnknownScheme / BadPrinterUrl."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UnknownScheme(url, SCHEMES)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    transport: Transport
    if scheme == "serial":
        path = unquote(parts.path) or unquote(parts.netloc)
        if not path:
            raise BadPrinterUrl(f"serial URL needs a device path: {url!r}")
        transport = SerialTransport(
            path,
            baudrate=_int(url, "baudrate", options.get("baudrate", "9600")),
            rtscts=_flag(options.get("rtscts")),
            xonxoff=_flag(options.get("xonxoff")),
            dsrdtr=_flag(options.get("dsrdtr")),
        )
    elif scheme == "tcp":
        if not parts.hostname:
            raise BadPrinterUrl(f"tcp URL needs a host: {url!r}")
        try:
            port = parts.port or 9100
        except ValueError as error:
            raise BadPrinterUrl(f"bad port in {url!r}") from error
        transport = TcpTransport(parts.hostname, port)
    elif scheme == "usb":
        ids = parts.netloc.split(":")
        if len(ids) != 2:
            raise BadPrinterUrl(f"usb URL must be usb://VID:PID (hex), e.g. usb://04b8:0202, not {url!r}")
        transport = UsbTransport(
            _int(url, "vendor id", ids[0], 16),
            _int(url, "product id", ids[1], 16),
            in_ep=_int(url, "in_ep", options.get("in_ep", "0x82"), 0),
            out_ep=_int(url, "out_ep", options.get("out_ep", "0x01"), 0),
        )
    elif scheme == "file":
        path = unquote(parts.path)
        if not path:
            raise BadPrinterUrl(f"file URL needs a path: {url!r}")
        transport = FileTransport(path)
    else:  # sim
        if parts.port is not None:
            transport = TcpTransport(parts.hostname or "127.0.0.1", parts.port)
            transport.description = f"sim://{parts.hostname}:{parts.port}"
        else:
            from hardware.sim.printer import virtual_printer

            name = parts.netloc or "default"
            simulator = virtual_printer(name, state=options.get("state"))
            transport = TcpTransport(simulator.host, simulator.port)
            transport.description = f"sim://{name}"
    return PrinterUrl(url, scheme, transport, options)


# --- the printer ------------------------------------------------------------------------


class Printer:
    """One printer: its transport, profile and timeouts. Thread-safe; reconnects on demand."""

    def __init__(
        self,
        url: str,
        transport: Transport,
        profile: PrinterProfile,
        timeout: float = DEFAULT_WRITE_TIMEOUT,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT,
        answers_status: bool = True,
    ) -> None:
        self.url = url
        self.transport = transport
        self.profile = profile
        self.timeout = timeout
        self.status_timeout = status_timeout
        self.answers_status = answers_status and transport.can_read
        self._lock = threading.RLock()

    @property
    def width_mm(self) -> int:
        return self.profile.width_mm

    def __repr__(self) -> str:
        return f"<Printer {self.transport.description} profile={self.profile.label} {self.width_mm}mm>"

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open the transport now (otherwise it opens on first use). Raises DeviceMissing/PrinterOffline."""
        with self._lock:
            if not self.transport.is_open:
                self.transport.open()

    def print_bytes(self, data: bytes) -> None:
        """Send a job. Raises PrinterTimeout (printer stopped reading), PrinterOffline, DeviceMissing."""
        with self._lock:
            self.connect()
            try:
                self.transport.write(data, self.timeout)
            except PrinterError:
                self.transport.close(discard=True)  # reopen on the next call
                raise

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 2, 4). Never "ok" unless the printer said so."""
        with self._lock:
            if not self.answers_status:
                return unknown(f"{self.transport.description} does not report status")
            try:
                self.connect()
            except DeviceMissing as error:
                return offline(str(error))
            except PrinterOffline as error:
                return offline(str(error))
            if not self.transport.can_read:
                return unknown(f"{self.transport.description} cannot be read for status")
            replies = []
            try:
                for n in (1, 2, 4):
                    self.transport.drain()
                    self.transport.write(DLE_EOT + bytes([n]), self.status_timeout)
                    reply = self._read_one(self.status_timeout)
                    if reply is None:
                        what = "no answer" if not replies else f"no answer to DLE EOT {n}"
                        return unknown(f"{self.transport.description}: {what} within {self.status_timeout:.2f} s",
                                       bytes(replies))
                    replies.append(reply)
            except PrinterTimeout as error:
                self.transport.close(discard=True)
                return unknown(str(error), bytes(replies))
            except PrinterError as error:
                self.transport.close(discard=True)
                return offline(str(error))
            return parse_replies(*replies)

    def _read_one(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            data = self.transport.read(1, left)
            for byte in data:
                if valid_reply(byte):
                    return byte
            # bytes of another form (e.g. Automatic Status Back noise): keep waiting

    def close(self) -> None:
        with self._lock:
            self.transport.close()


def open_printer(
    url: str,
    profile: str | None = None,
    width_mm: int | None = None,
    timeout: float | None = None,
    status_timeout: float | None = None,
) -> Printer:
    """A `Printer` for a URL. Checks the URL and profile now; connects on first use.

    `profile` (python-escpos model name) and `width_mm` (58 or 80) override the URL's
    `profile=` and `width=`; without either, the generic profile (raster for anything
    that is not ASCII) and 80 mm. Raises UnknownScheme, BadPrinterUrl, UnknownProfile.
    """
    parsed = parse_printer_url(url)
    options = parsed.options
    name = profile if profile is not None else options.get("profile")
    width = width_mm if width_mm is not None else _int(url, "width", options.get("width", "80"))
    resolved = resolve_profile(name, width)
    write_timeout = timeout if timeout is not None else float(options.get("timeout", DEFAULT_WRITE_TIMEOUT))
    query_timeout = (
        status_timeout if status_timeout is not None else float(options.get("status_timeout", DEFAULT_STATUS_TIMEOUT))
    )
    answers = options.get("status", "auto").lower() not in ("none", "off", "no")
    if parsed.scheme == "file":
        path = Path(parsed.transport.path)  # type: ignore[attr-defined]
        answers = answers and path.exists() and stat.S_ISCHR(path.stat().st_mode)
        if answers:
            parsed.transport.can_read = True
    return Printer(url, parsed.transport, resolved, write_timeout, query_timeout, answers)
