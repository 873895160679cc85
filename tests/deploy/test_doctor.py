"""`motcua doctor`: silent (exit 0) on a healthy hall, and for each broken setup it claims to
detect, an error (exit 1) naming the problem in Vietnamese then English, with how to fix it."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import threading
import time
from collections import namedtuple
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from queue_server.config import load_settings
from queue_server.deploy import doctor
from tests.conftest import ROOT, ServerProcess, free_port
from tests.deploy.nginx_process import NginxProcess, edit_the_stream, motcua, require_nginx


def run_doctor(data: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        result = motcua("doctor", "--json", "--data", str(data), "--timeout", "2", *extra, check=False)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def findings(report: dict, check: str, level: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if f["check"] == check and (level is None or f["level"] == level)]


@pytest.fixture(autouse=True)
def _own_port(monkeypatch):
    # the default public address is http://127.0.0.1:PORT: a port nobody else on this machine uses
    monkeypatch.setenv("MOTCUA_PORT", str(free_port()))
    monkeypatch.delenv("MOTCUA_CONFIG", raising=False)


@pytest.fixture
def healthy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    motcua("init", "--data", str(data))
    motcua("config", "import", "assets/demo/hall.json", "--data", str(data))
    return data


def test_a_hall_made_by_init_and_the_demo_import_is_healthy(healthy: Path):
    code, report = run_doctor(healthy)
    assert code == 0, report
    assert report["errors"] == 0
    # the loopback public address and the missing backup are warnings, not errors
    assert findings(report, "public_url", "warning")
    backup = findings(report, "backup", "warning")
    assert backup and "Chưa có bản sao lưu" in backup[0]["message_vi"] and "No backup yet" in backup[0]["message_en"]
    for check in ("config", "database", "timezone", "clock", "voice", "disk"):
        assert findings(report, check, "ok"), check
    for f in report["findings"]:
        assert f["message_vi"] and f["message_en"]
        if f["level"] != "ok":
            assert f["fix_vi"] and f["fix_en"], f


def test_text_output_puts_vietnamese_first(healthy: Path):
    result = motcua("doctor", "--data", str(healthy), "--timeout", "1", check=False)
    assert result.returncode == 0
    assert result.stdout.index("Cấu hình hợp lệ.") < result.stdout.index("The configuration is valid.")


def test_an_invalid_configuration_is_an_error(healthy: Path, tmp_path: Path):
    bad = tmp_path / "motcua.toml"
    bad.write_text('porrt = 8000\n', encoding="utf-8")
    code, report = run_doctor(healthy, "--config", str(bad))
    assert code == 1
    assert "porrt" in findings(report, "config", "error")[0]["message_en"]
    code, report = run_doctor(healthy, env={"MOTCUA_TRUSTED_PROXIES": "10.0.0.1,nonsense"})
    assert code == 1 and "nonsense" in findings(report, "config", "error")[0]["message_vi"]


def test_a_data_directory_never_initialised_is_an_error(tmp_path: Path):
    code, report = run_doctor(tmp_path / "empty")
    assert code == 1
    assert "motcua init" in findings(report, "database", "error")[0]["fix_en"]


def test_an_unreachable_database_is_an_error(tmp_path: Path):
    port = free_port()  # nothing listens there
    code, report = run_doctor(tmp_path, "--database-url", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    assert code == 1
    error = findings(report, "database", "error")[0]
    assert "Không kết nối được" in error["message_vi"] and "Cannot reach" in error["message_en"]


def test_a_database_at_an_older_version_is_an_error(healthy: Path):
    engine = create_engine(f"sqlite:///{healthy / 'motcua.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    engine.dispose()
    code, report = run_doctor(healthy)
    assert code == 1
    error = findings(report, "migrations", "error")[0]
    from queue_server.store.backup import head_revision

    assert error["detail"] == {"current": "0002", "head": head_revision()}


def test_a_database_without_a_hall_is_an_error(tmp_path: Path):
    data = tmp_path / "data"
    motcua("init", "--data", str(data))
    code, report = run_doctor(data)
    assert code == 1
    assert "config import" in findings(report, "hall", "error")[0]["fix_en"]


def test_a_site_in_an_unknown_time_zone_is_an_error(healthy: Path):
    engine = create_engine(f"sqlite:///{healthy / 'motcua.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE sites SET timezone = 'Asia/Hanoi_City'"))
    engine.dispose()
    code, report = run_doctor(healthy)
    assert code == 1
    assert "Asia/Hanoi_City" in findings(report, "timezone", "error")[0]["message_vi"]


def test_a_machine_clock_reset_to_1970_is_an_error(healthy: Path):
    settings = load_settings(env={}, data_dir=str(healthy))
    report = doctor.examine(settings, timeout=0.5, now=lambda: datetime(1970, 1, 1, tzinfo=UTC))
    assert [f.check for f in report.errors] == ["clock"]


def test_a_public_address_that_is_not_motcua_is_an_error(healthy: Path):
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):  # noqa: ANN002
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, report = run_doctor(healthy, env={"MOTCUA_PUBLIC_URL": f"http://127.0.0.1:{server.server_port}"})
    finally:
        server.shutdown()
    assert code == 1
    assert findings(report, "public_url", "error")[0]["detail"]["status"] == 404


def test_a_running_server_passes_the_address_and_live_stream_checks(healthy: Path):
    server = ServerProcess(healthy).start()
    try:
        code, report = run_doctor(healthy, env={"MOTCUA_PORT": str(server.port)})
    finally:
        server.stop()
    assert code == 0, report
    assert findings(report, "public_url", "ok") and findings(report, "event_stream", "ok")


@pytest.mark.parametrize("edits", [("compressed",), ("compressed", "buffered")])
def test_a_proxy_that_holds_the_event_stream_back_is_found(healthy: Path, tmp_path: Path, edits: tuple[str, ...]):
    require_nginx()
    server = ServerProcess(healthy).start()
    proxy = NginxProcess(tmp_path / "nginx", [server.port])
    edit_the_stream(proxy, *edits)
    proxy.start()
    try:
        code, report = run_doctor(healthy, env={"MOTCUA_PUBLIC_URL": proxy.url})
    finally:
        proxy.stop()
        server.stop()
    if edits == ("compressed",):  # compressed but flushed: screens are live, so no false alarm
        assert code == 0, report
        assert findings(report, "event_stream", "ok")
        return
    assert code == 1
    error = findings(report, "event_stream", "error")[0]
    assert "proxy_buffering off" in error["fix_vi"] and "X-Accel-Buffering" in error["fix_en"]
    assert "buffering or compressing" in error["message_en"] and not error["detail"]["first_bytes"]


class FirstBytesThenBuffer:
    """A proxy (as some office and hosting proxies behave) that passes what comes in the first
    0.2 s of an answer (its headers and first bytes) and then holds the rest until 64 KiB have
    gathered."""

    HOLD = 64 * 1024

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            client.settimeout(5)
            upstream.sendall(client.recv(65536))  # the request (one small GET)
            passing_until, held = time.monotonic() + 0.2, b""
            while chunk := upstream.recv(65536):
                if time.monotonic() < passing_until:
                    client.sendall(chunk)
                    continue
                held += chunk
                if len(held) >= self.HOLD:
                    client.sendall(held)
                    held = b""

    def close(self) -> None:
        self.listener.close()


def test_a_proxy_that_passes_the_first_bytes_and_buffers_the_rest_is_found(healthy: Path):
    server = ServerProcess(healthy).start()
    proxy = FirstBytesThenBuffer(server.port)
    try:
        code, report = run_doctor(healthy, env={"MOTCUA_PUBLIC_URL": f"http://127.0.0.1:{proxy.port}"})
    finally:
        proxy.close()
        server.stop()
    assert code == 1
    error = findings(report, "event_stream", "error")[0]
    # a check of the first bytes alone would have called this proxy healthy
    assert error["detail"]["first_bytes"] and "only its first bytes came through" in error["message_en"]
    assert "bộ đệm" in error["message_vi"]


def test_printers_and_serial_devices_that_cannot_be_reached_are_errors(healthy: Path):
    closed = free_port()
    code, report = run_doctor(healthy, "--printer", f"tcp://127.0.0.1:{closed}", "--serial",
                              "serial:///dev/ttyMOTCUA-NONE", "--serial", "loop://")
    assert code == 1
    assert findings(report, "printer", "error")[0]["detail"]["url"] == f"tcp://127.0.0.1:{closed}"
    serial = findings(report, "serial")
    assert [f["level"] for f in serial] == ["error", "ok"]


def test_a_voice_folder_that_does_not_exist_and_an_incomplete_pack_are_errors(healthy: Path, tmp_path: Path,
                                                                               monkeypatch):
    code, report = run_doctor(healthy, env={"MOTCUA_VOICE_DIR": str(tmp_path / "no-voice")})
    assert code == 1 and findings(report, "voice", "error")

    from queue_server.services import announcements

    partial = tmp_path / "voice"
    shutil.copytree(ROOT / "assets" / "voice", partial)
    (partial / "vi" / "năm.wav").unlink(missing_ok=True)
    for clip in list((partial / "vi").glob("*.wav"))[:3]:
        clip.unlink()
    monkeypatch.setattr(announcements, "DEFAULT_VOICE_DIR", partial)
    report = doctor.examine(load_settings(env={}, data_dir=str(healthy)), timeout=0.5)
    voice = [f for f in report.findings if f.check == "voice"][0]
    assert voice.level == "error" and voice.detail["missing"]


def test_low_disk_space_is_a_warning_then_an_error(healthy: Path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    settings = load_settings(env={}, data_dir=str(healthy))
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _: usage(10 << 30, 0, 500 << 20))
    assert [f.level for f in doctor.examine(settings, timeout=0.5).findings if f.check == "disk"] == ["warning"]
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _: usage(10 << 30, 0, 50 << 20))
    report = doctor.examine(settings, timeout=0.5)
    assert [f.check for f in report.errors] == ["disk"]


def test_an_old_backup_is_a_warning_and_a_fresh_one_is_ok(healthy: Path):
    backups = healthy / "backups"
    backups.mkdir()
    dump = backups / "motcua-2026-03-01.db"
    dump.write_bytes(b"x")
    old = time.time() - 3 * 86400
    os.utime(dump, (old, old))
    _, report = run_doctor(healthy)
    assert "72" in findings(report, "backup", "warning")[0]["message_en"]
    dump.touch()
    _, report = run_doctor(healthy)
    assert findings(report, "backup", "ok")
