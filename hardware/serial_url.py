"""Serial devices (LED displays, keypads) by URL, through pyserial.

    serial:///dev/ttyUSB0?baudrate=9600&address=3   a real port (RS-232, or RS-485 via an adapter)
    loop://?address=3                               pyserial's loopback (what you write comes back)
    socket://10.0.0.7:4001?address=3                an RS-485-to-Ethernet converter (raw TCP)
    rfc2217://10.0.0.7:4001                         an RFC 2217 serial server
    sim://NAME?address=3                            an in-process virtual device (its pty)

`address=` is the device address on a multi-drop bus (1-254, 255 = broadcast).
Other query parameters: `baudrate` (default 9600), `timeout` (write timeout, s).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import serial

SERIAL_SCHEMES = ("serial", "loop", "socket", "rfc2217", "sim")

SERIAL_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
try:  # termios.error (a port that vanished) is no OSError
    import termios

    SERIAL_ERRORS += (termios.error,)
except ImportError:  # Windows
    pass


class SerialDeviceError(Exception):
    """A serial device could not be opened or stopped answering; `detail` says which and why."""


@dataclass
class SerialEndpoint:
    url: str
    port_url: str  # what pyserial's serial_for_url opens
    baudrate: int
    address: int | None
    write_timeout: float
    options: dict[str, str]


def parse_serial_url(url: str, sim_lookup=None) -> SerialEndpoint:
    """Split a device URL into what pyserial opens and our options (address, baud rate...)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SERIAL_SCHEMES:
        listed = ", ".join(f"{s}://" for s in SERIAL_SCHEMES)
        raise SerialDeviceError(f"unknown serial device URL scheme in {url!r}; supported: {listed}")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        baudrate = int(options.get("baudrate", "9600"))
        address = int(options["address"]) if "address" in options else None
        write_timeout = float(options.get("timeout", "1.0"))
    except ValueError as error:
        raise SerialDeviceError(f"bad number in {url!r}: {error}") from error
    if address is not None and not 1 <= address <= 255:
        raise SerialDeviceError(f"address must be 1-254 or 255 (broadcast), not {address}")
    if scheme == "serial":
        port_url = unquote(parts.path) or unquote(parts.netloc)
        if not port_url:
            raise SerialDeviceError(f"serial URL needs a device path: {url!r}")
    elif scheme == "sim":
        if sim_lookup is None:
            raise SerialDeviceError(f"{url!r}: no simulator of this kind")
        port_url = sim_lookup(parts.netloc or "default")
    elif scheme == "loop":
        port_url = "loop://"
    else:
        port_url = f"{scheme}://{parts.netloc}"
    return SerialEndpoint(url, port_url, baudrate, address, write_timeout, options)


def open_port(endpoint: SerialEndpoint, read_timeout: float = 0.1) -> serial.SerialBase:
    """Open the pyserial port of an endpoint; SerialDeviceError names the path when it is missing."""
    try:
        return serial.serial_for_url(
            endpoint.port_url,
            baudrate=endpoint.baudrate,
            timeout=read_timeout,
            write_timeout=endpoint.write_timeout,
        )
    except (serial.SerialException, OSError, ValueError) as error:
        raise SerialDeviceError(f"cannot open serial device {endpoint.port_url}: {error}") from error
