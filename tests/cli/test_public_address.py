"""The hall's public address, which every slip's QR code points at: `motcua serve` warns when
phones could never reach it (Vietnamese first, then English, on stderr)."""

from __future__ import annotations

import io
import ipaddress

import httpx

from queue_server.cli.public_address import lan_address, unreachable_host, warn_if_unreachable
from tests.conftest import ServerProcess


def test_loopback_and_unspecified_addresses_are_unreachable_from_a_phone():
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://127.0.1.1", "http://[::1]:8000",
                "http://0.0.0.0:8000", "http://motcua.localhost/"):
        assert unreachable_host(url) is not None, url
    for url in ("http://192.168.1.10:8000", "https://motcua.phuong1.gov.vn", "http://10.0.0.5"):
        assert unreachable_host(url) is None, url


def test_the_warning_is_vietnamese_then_english_and_only_when_needed():
    out = io.StringIO()
    assert warn_if_unreachable("http://127.0.0.1:8000", out)
    vi, en = out.getvalue().splitlines()
    assert vi.startswith("CẢNH BÁO: địa chỉ công khai http://127.0.0.1:8000") and "public_url" in vi
    assert en.startswith("WARNING: the public address http://127.0.0.1:8000") and "MOTCUA_PUBLIC_URL" in en
    quiet = io.StringIO()
    assert not warn_if_unreachable("http://192.168.1.10:8000", quiet) and quiet.getvalue() == ""


def test_the_lan_address_is_one_a_phone_could_use():
    address = lan_address()
    if address is not None:  # a machine without a network has none, and says so by None
        ip = ipaddress.ip_address(address)
        assert ip.version == 4 and not ip.is_loopback and not ip.is_unspecified


def test_serve_warns_when_the_public_address_is_loopback(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    loopback = ServerProcess(tmp_path / "a").start()
    reachable = ServerProcess(tmp_path / "b", env={"MOTCUA_PUBLIC_URL": "http://192.168.1.10:8000"}).start()
    try:
        assert httpx.get(reachable.url + "/api/v1/health").status_code == 200
    finally:
        loopback.stop()
        reachable.stop()
    said = loopback.log.read_text(encoding="utf-8")
    assert f"CẢNH BÁO: địa chỉ công khai http://127.0.0.1:{loopback.port}" in said
    assert said.index("CẢNH BÁO") < said.index("WARNING: the public address")
    assert "CẢNH BÁO" not in reachable.log.read_text(encoding="utf-8")
