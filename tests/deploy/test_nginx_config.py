"""`motcua deploy nginx`: a configuration real nginx accepts and that behaves as a hall needs
(static files from disk, a live unbuffered event stream, the client address overwritten, a
request id passed on), and clear errors for what it cannot write."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from queue_server.deploy.nginx import NginxSettings, render
from tests.conftest import ServerProcess
from tests.deploy.nginx_process import NginxProcess, motcua, require_nginx


def test_nginx_accepts_the_written_configuration(tmp_path: Path):
    require_nginx()
    proxy = NginxProcess(tmp_path / "nginx", [8001, 8002, 8003])
    conf = proxy.write_config().read_text()
    assert "server 127.0.0.1:8001" in conf and "server 127.0.0.1:8003" in conf
    result = proxy.test_config()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_default_configuration_for_debians_nginx_is_accepted_too(tmp_path: Path):
    # without --state-dir the pid, logs and temporary files are Debian's; only the listen port
    # is changed here so the check runs without taking port 80
    nginx = require_nginx()
    conf = tmp_path / "motcua-nginx.conf"
    motcua("deploy", "nginx", "--out", str(conf), "--ports", "8001-8002", "--listen", "127.0.0.1:18790")
    text = conf.read_text()
    assert "user www-data;" in text and "pid /run/nginx.pid;" in text
    import subprocess

    result = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_event_stream_is_unbuffered_long_lived_and_never_compressed():
    conf = render(NginxSettings(ports=[8001, 8002]))
    events = conf.split("location = /api/v1/events {", 1)[1].split("}", 1)[0]
    assert "proxy_buffering off;" in events and "gzip off;" in events
    assert "proxy_read_timeout 1h;" in events
    assert "proxy_http_version 1.1;" in conf and 'proxy_set_header Connection "";' in conf
    assert "text/event-stream" not in conf.split("gzip_types", 1)[1].split(";", 1)[0]
    # the client's address replaces whatever the client claimed (never $proxy_add_x_forwarded_for)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_add_x_forwarded_for" not in conf
    # only a keyed ticket POST may be replayed on another process
    assert conf.count("non_idempotent") == 1
    keyed = conf.split("location = /_motcua_keyed_ticket {", 1)[1].split("}", 1)[0]
    assert "non_idempotent" in keyed and "internal;" in keyed


@pytest.mark.parametrize("ports", ["", "80a", "0", "8001,8001", "70000"])
def test_wrong_ports_are_refused_with_a_clear_message(tmp_path: Path, ports: str):
    result = motcua("deploy", "nginx", "--out", str(tmp_path / "x.conf"), "--ports", ports, check=False)
    assert result.returncode == 2
    assert "Cổng" in result.stderr or "cổng" in result.stderr
    assert "port" in result.stderr
    assert not (tmp_path / "x.conf").exists()


def test_a_file_in_a_missing_directory_is_a_clear_error(tmp_path: Path):
    out = tmp_path / "nope" / "motcua.conf"
    result = motcua("deploy", "nginx", "--out", str(out), check=False)
    assert result.returncode == 2
    assert "không tồn tại" in result.stderr and "does not exist" in result.stderr
    assert result.stderr.index("không tồn tại") < result.stderr.index("does not exist")
    assert "Traceback" not in result.stderr


@pytest.fixture
def proxied(tmp_path: Path):  # noqa: ANN201
    """One SQLite server process behind nginx, as a ward with the proxy on its own PC would run."""
    require_nginx()
    from queue_server.clock import SystemClock
    from tests.conftest import build_hall, make_ctx

    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, SystemClock())
    hall = build_hall(ctx)
    server = ServerProcess(data).start()
    proxy = NginxProcess(tmp_path / "nginx", [server.port]).start()
    try:
        yield proxy, server, hall
    finally:
        proxy.stop()
        server.stop()
        ctx.db.dispose()


def _read_stream(url: str, headers: dict[str, str], until: bytes, timeout: float = 10) -> bytes:
    """Raw bytes of an HTTP/1.1 stream until `until` is seen (or the timeout)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: hall\r\n{head}\r\n".encode())
        data = b""
        deadline = time.monotonic() + timeout
        while until not in data and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_through_nginx_static_files_come_from_disk_and_events_arrive_live(proxied):
    proxy, server, hall = proxied
    # an event committed now reaches a stream opened through the proxy at once, not when a buffer fills
    import threading

    got: dict[str, bytes] = {}
    reader = threading.Thread(target=lambda: got.setdefault("data", _read_stream(
        proxy.url, {"Accept": "text/event-stream", "Accept-Encoding": "gzip"}, b"ticket.issued")))
    reader.start()
    time.sleep(1.0)
    r = httpx.post(f"{proxy.url}/api/v1/tickets", json={"service_id": hall.a},
                   headers={"Authorization": f"Bearer {hall.kiosk_token}", "Idempotency-Key": "tap-0000000001"})
    assert r.status_code == 201, r.text
    reader.join(15)
    data = got["data"]
    assert b"ticket.issued" in data
    assert b"Content-Encoding: gzip" not in data  # the stream is never compressed
    assert b": connected" in data

    # nginx's request id is the server's: one id finds the request in both logs
    r = httpx.get(f"{proxy.url}/api/v1/health")
    assert r.status_code == 200
    rid = r.headers["x-request-id"]
    assert len(rid) == 32  # nginx's $request_id, kept by the server
    time.sleep(0.2)
    assert f"request_id={rid}" in proxy.access_log()
    assert rid in server.log.read_text(errors="replace")

    # static files are nginx's own: they are served with the server process stopped
    server.stop()
    css = httpx.get(f"{proxy.url}/static/css/hall.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert css.headers["cache-control"] == "no-cache"
    font = httpx.get(f"{proxy.url}/static/fonts/DejaVuSansCondensed.ttf")
    assert font.status_code == 200 and "max-age=604800" in font.headers["cache-control"]
    assert httpx.get(f"{proxy.url}/api/v1/health").status_code == 502
