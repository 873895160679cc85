"""The hall's public address (`public_url`): what the QR code on every slip points at.

A citizen's phone opens that address, so it must be one the phone can reach: never
127.0.0.1 or localhost (that is the phone itself), nor 0.0.0.0 (no address at all).
`motcua serve` and `motcua demo` warn on stderr when it is; the demo, when nobody set one,
uses this machine's address on the local network, found without sending a packet.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import TextIO
from urllib.parse import urlsplit

# Any address outside this machine: connecting a UDP socket only asks the kernel for a route
# (no packet is sent), and the socket's own address is then the one on that route.
_ROUTE_PROBES = ("10.255.255.255", "192.0.2.1", "198.51.100.1")


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def lan_address() -> str | None:
    """This machine's IPv4 address on the local network, or None when there is none."""
    for probe in _ROUTE_PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                address = s.getsockname()[0]
        except OSError:
            continue
        if _usable(address):
            return address
    try:  # no route: the addresses of this machine's name, if any is not a loopback one
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for *_, sockaddr in infos:
        if _usable(sockaddr[0]):
            return sockaddr[0]
    return None


def unreachable_host(url: str) -> str | None:
    """The host of `url` when a phone could never reach it there (loopback, unspecified), else None."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return host or "(none)"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: assume the hall's DNS knows it
    return host if (ip.is_loopback or ip.is_unspecified) else None


def warn_if_unreachable(url: str, out: TextIO | None = None) -> bool:
    """Print the Vietnamese-then-English warning when phones cannot reach `url`; True if printed."""
    host = unreachable_host(url)
    if host is None:
        return False
    out = out or sys.stderr
    print(f"CẢNH BÁO: địa chỉ công khai {url} là địa chỉ nội bộ của máy này ({host}); điện thoại của "
          "công dân quét mã QR trên phiếu sẽ không mở được trang theo dõi lượt. Hãy đặt public_url "
          "(hoặc MOTCUA_PUBLIC_URL) là địa chỉ mà điện thoại trong sảnh truy cập được, "
          "ví dụ http://192.168.1.10:8000.", file=out)
    print(f"WARNING: the public address {url} is this machine's own ({host}); citizens' phones that scan "
          "the slip's QR code cannot open their position page. Set public_url (or MOTCUA_PUBLIC_URL) to an "
          "address phones in the hall can reach, e.g. http://192.168.1.10:8000.", file=out, flush=True)
    return True
