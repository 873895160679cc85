"""`motcua kiosk-pair`: the pairing QR code /admin shows for a new kiosk, typed by a barcode
scanner or read from a photo, becomes the kiosk's configuration; the kiosk then loads it
and talks to the server with that token. Wrong codes are refused, saying why."""

from __future__ import annotations

import io
import json
import stat

import pytest
import qrcode

from kiosk.config import load_config
from kiosk.pairing import PairingError, kiosk_toml, parse_pairing
from queue_server.cli import main

TOKEN = "mcd_P3yZzWlwLdpBC4WJ9Tv5LUl3YEejYnmGl0YBZQ2wHuw"
QR_TEXT = json.dumps({"motcua": "device", "kind": "kiosk", "server_url": "http://10.0.0.2:8000", "site": "phuong-1",
                      "device_token": TOKEN}, separators=(",", ":"))


def test_a_scanner_typing_the_code_writes_a_configuration_the_kiosk_loads(tmp_path, monkeypatch, capsys) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nprinter_url = "tcp://10.0.0.5:9100"\norientation = "landscape"\n'
                      'device_token = "mcd_old_token_that_was_revoked_000"\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(QR_TEXT + "\r\n"))  # scanners end with Enter
    assert main(["kiosk-pair", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Đã ghép nối ki-ốt" in out and "http://10.0.0.2:8000" in out and TOKEN not in out
    loaded = load_config(str(config), env={})
    assert loaded.server_url == "http://10.0.0.2:8000" and loaded.site == "phuong-1"
    assert loaded.token() == TOKEN
    assert loaded.printer_url == "tcp://10.0.0.5:9100" and loaded.orientation == "landscape"  # kept
    assert TOKEN not in config.read_text(encoding="utf-8")  # the token is in its own file
    token_file = tmp_path / "kiosk.token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_the_code_read_from_a_photo_of_the_admin_page(tmp_path, capsys) -> None:
    image = tmp_path / "qr.png"
    qrcode.make(QR_TEXT, border=4).save(image)
    config = tmp_path / "etc" / "kiosk.toml"
    assert main(["kiosk-pair", "--config", str(config), "--image", str(image)]) == 0
    assert load_config(str(config), env={}).token() == TOKEN


@pytest.mark.parametrize(("text", "says"), [
    ("", "Chưa nhận được nội dung mã QR"),
    ("https://motcua.vn/t/5?k=abc", "không phải mã ghép nối"),  # a slip's QR, not a pairing code
    (QR_TEXT.replace('"kiosk"', '"display"'), "không phải ki-ốt"),
    (QR_TEXT.replace("http://10.0.0.2:8000", "ftp://10.0.0.2"), "server_url:"),
    (QR_TEXT.replace(TOKEN, "mcd_x"), "device_token:"),
])
def test_a_wrong_code_is_refused_saying_why(text, says) -> None:
    with pytest.raises(PairingError) as refused:
        parse_pairing(text)
    assert says in refused.value.vi and refused.value.en


def test_a_server_configuration_file_is_not_overwritten(tmp_path, monkeypatch, capsys) -> None:
    config = tmp_path / "motcua.toml"
    original = '[server]\nport = 8000\n\n[kiosk]\norientation = "portrait"\n'
    config.write_text(original, encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(QR_TEXT + "\n"))
    assert main(["kiosk-pair", "--config", str(config)]) == 2
    assert "[server]" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == original and not (tmp_path / "kiosk.token").exists()


def test_an_image_without_a_qr_code_is_refused(tmp_path, capsys) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    assert main(["kiosk-pair", "--config", str(tmp_path / "k.toml"), "--image", str(blank)]) == 2
    assert "Không thấy mã QR" in capsys.readouterr().err


def test_the_toml_written_keeps_other_kiosk_keys_and_quotes_text() -> None:
    pairing = parse_pairing(QR_TEXT)
    text = kiosk_toml('[kiosk]\nidle_timeout_s = 60\nfullscreen = true\n', pairing, '/etc/mot "cua"/kiosk.token')
    import tomllib

    table = tomllib.loads(text)["kiosk"]
    assert table == {"idle_timeout_s": 60, "fullscreen": True, "server_url": "http://10.0.0.2:8000",
                     "site": "phuong-1", "device_token_file": '/etc/mot "cua"/kiosk.token'}


def test_a_kiosk_added_in_admin_pairs_and_its_token_is_accepted(hall, ctx, tmp_path, monkeypatch, capsys) -> None:
    from fastapi.testclient import TestClient

    from queue_server.api.app import create_app
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM
    from tests.conftest import PASSWORD

    admin.create_user(ctx, SYSTEM, username="quantri", password=PASSWORD, role="admin", site_id=hall.site_id)
    with TestClient(create_app(ctx.settings, ctx=ctx)) as client:
        login = client.post("/api/v1/auth/login", json={"username": "quantri", "password": PASSWORD}).json()
        made = client.post(f"/api/v1/admin/sites/{hall.site_id}/devices", json={"kind": "kiosk", "name": "Ki-ốt 3"},
                           headers={"Authorization": f"Bearer {login['token']}"}).json()
        monkeypatch.setattr("sys.stdin", io.StringIO(made["pairing"] + "\n"))
        config = tmp_path / "kiosk.toml"
        assert main(["kiosk-pair", "--config", str(config)]) == 0
        loaded = load_config(str(config), env={})
        assert loaded.site == "phuong-1"
        client.cookies.clear()
        as_kiosk = {"Authorization": f"Bearer {loaded.token()}"}
        assert client.post("/api/v1/tickets", json={"service_id": hall.a}).status_code == 401
        r = client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=as_kiosk)
        assert r.status_code == 201 and r.json()["ticket"]["code"].startswith("A")
