"""The one judge of a request's client address, used by every rate limit and by the audit log.

A forwarded header (`X-Forwarded-For`) is believed only when the peer that sent the request
is a proxy listed in the setting `trusted_proxies` (addresses or CIDRs, comma-separated;
default none). Then the client is the rightmost address of the header that is not itself a
trusted proxy (each proxy appends the address it saw; only the part our proxies wrote is
trustworthy). A header that does not parse (garbage, a port, a name) counts as absent: the
address is then the proxy's own, never an error.

`motcua serve` runs uvicorn with `proxy_headers=False`, so `request.client` is always the
TCP peer and this function alone decides.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 32  # a longer X-Forwarded-For is treated as garbage


class TrustedProxiesError(ValueError):
    """The `trusted_proxies` setting names something that is not an address or a CIDR."""


@lru_cache(maxsize=8)
def parse_trusted(setting: str) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"` -> networks; raises TrustedProxiesError naming the bad item."""
    networks = []
    for item in (part.strip() for part in (setting or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise TrustedProxiesError(f"trusted_proxies: {item!r} is not an IP address or CIDR") from None
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The client address given the TCP peer and the X-Forwarded-For header values."""
    peer_ip = _ip(peer)
    if peer_ip is None or not trusted or not _trusted(peer_ip, trusted) or not forwarded_for:
        return str(peer_ip) if peer_ip is not None else (peer or "unknown")
    hops = [part for value in forwarded_for for part in value.split(",")]
    if len(hops) > MAX_HOPS:
        return str(peer_ip)
    addresses = [_ip(hop) for hop in hops]
    if any(a is None for a in addresses):
        return str(peer_ip)  # garbage: as if the proxy had sent no header
    for address in reversed(addresses):
        if not _trusted(address, trusted):
            return str(address)
    return str(addresses[0])  # every hop is one of ours: the first one is the client


def client_address(request: Request) -> str:
    """The address of whoever sent `request` (see the module docstring)."""
    peer = request.client.host if request.client else "unknown"
    ctx = getattr(request.app.state, "ctx", None)
    trusted = parse_trusted(ctx.settings.trusted_proxies) if ctx is not None else ()
    if not trusted:
        return forwarded_client(peer, [], ())
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted)


def came_over_https(request: Request) -> bool:
    """Whether the client reached us over HTTPS: directly, or through a trusted proxy that says
    so in X-Forwarded-Proto (from anyone else the header means nothing)."""
    if request.url.scheme == "https":
        return True
    peer = _ip(request.client.host) if request.client else None
    ctx = getattr(request.app.state, "ctx", None)
    trusted = parse_trusted(ctx.settings.trusted_proxies) if ctx is not None else ()
    if peer is None or not trusted or not _trusted(peer, trusted):
        return False
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return proto == "https"
