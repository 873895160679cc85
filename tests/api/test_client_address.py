"""Client addresses: X-Forwarded-For is believed only from a proxy listed in trusted_proxies,
the rightmost address that is not one of ours is the client, garbage counts as absent; and
`motcua serve` does not let uvicorn rewrite the address behind our back."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from queue_server.api.client_address import forwarded_client, parse_trusted
from queue_server.config import ConfigError, load_settings
from tests.conftest import ServerProcess

LOCAL = parse_trusted("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(("peer", "header", "client"), [
    ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not a proxy of ours: the header is the client's word
    ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),  # nginx on the same machine
    ("127.0.0.1", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # the client wrote the first part itself
    ("127.0.0.1", ["198.51.100.1, 10.1.2.3"], "198.51.100.1"),  # through two of our proxies
    ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # the header sent twice
    ("127.0.0.1", ["10.1.2.3"], "10.1.2.3"),  # every hop is ours
    ("127.0.0.1", [], "127.0.0.1"),
    ("127.0.0.1", ["not-an-address"], "127.0.0.1"),  # garbage: as if absent
    ("127.0.0.1", ["198.51.100.1:443"], "127.0.0.1"),
    ("127.0.0.1", ["198.51.100.1,,"], "127.0.0.1"),
    ("127.0.0.1", ["\x00\xff" * 50], "127.0.0.1"),
    ("127.0.0.1", [",".join(["198.51.100.1"] * 100)], "127.0.0.1"),  # absurdly long
    ("127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
    ("::ffff:127.0.0.1", ["198.51.100.1"], "198.51.100.1"),  # IPv4 seen through an IPv6 socket
    ("testclient", ["198.51.100.1"], "testclient"),
])
def test_the_client_address_rules(peer, header, client) -> None:
    assert forwarded_client(peer, header, LOCAL) == client


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert forwarded_client("127.0.0.1", ["198.51.100.1"], parse_trusted("")) == "127.0.0.1"


def test_a_wrong_trusted_proxies_setting_stops_the_start_with_its_name() -> None:
    with pytest.raises(ConfigError, match="trusted_proxies"):
        load_settings(env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1, nginx.local"})
    settings = load_settings(env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/24, ::1"})
    assert ipaddress.ip_address("10.0.0.7") in parse_trusted(settings.trusted_proxies)[1]


def _wrong_lookups(url: str, n: int, forwarded: list[str]) -> list[int]:
    codes = []
    with httpx.Client(base_url=url, timeout=10) as c:
        for i in range(n):
            r = c.get("/api/v1/dossiers/lookup", params={"code": f"000.00.01.H01-260302-{i:04d}", "key": "WRONG2"},
                      headers={"X-Forwarded-For": forwarded[i % len(forwarded)]})
            assert r.status_code < 500
            codes.append(r.status_code)
    return codes


def test_a_forwarded_header_from_an_untrusted_peer_changes_nothing(tmp_path) -> None:
    """Through `motcua serve` (uvicorn): a new X-Forwarded-For per request used to give a
    fresh rate-limit bucket, because uvicorn believed it from 127.0.0.1."""
    server = ServerProcess(tmp_path).start()
    try:
        codes = _wrong_lookups(server.url, 14, [f"198.51.100.{i}" for i in range(14)] + ["garbage, ,"])
    finally:
        server.stop()
    assert codes[:10] == [404] * 10
    assert 429 in codes[10:]


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(tmp_path) -> None:
    server = ServerProcess(tmp_path, env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1"}).start()
    try:
        spread = _wrong_lookups(server.url, 14, [f"198.51.100.{i}" for i in range(14)])
        garbage = _wrong_lookups(server.url, 12, ["<script>", "1.2.3.4.5", "%%%"])
    finally:
        server.stop()
    assert spread == [404] * 14  # fourteen citizens behind the hall's proxy
    assert 429 in garbage  # garbage counts as the proxy itself: one bucket, limited
