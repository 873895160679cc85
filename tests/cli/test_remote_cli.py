"""`motcua remote poster`: the entrance poster's address for a day, and its QR code; the
address checks in today's numbers only (docs/remote-numbers.md)."""

from __future__ import annotations

from datetime import date

import zxingcpp
from PIL import Image

from queue_server.cli import main
from queue_server.services.auth import instance_secret
from queue_server.services.remote import checkin
from tests.conftest import build_hall, make_ctx


def test_the_poster_command_prints_the_days_address_and_writes_its_qr(tmp_path, clock, capsys):
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, clock)
    hall = build_hall(ctx)
    secret = instance_secret(ctx)
    ctx.db.dispose()
    qr = tmp_path / "poster.png"
    assert main(["remote", "poster", "--data", str(data), "--site", "phuong-1", "--day", "2026-03-02",
                 "--qr", str(qr)]) == 0
    out = capsys.readouterr().out
    key = checkin.poster_key(secret, hall.site_id, date(2026, 3, 2))
    assert f"/checkin/phuong-1?p={key}" in out and "02/03/2026" in out
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(qr))][0].endswith(f"/checkin/phuong-1?p={key}")
    assert main(["remote", "poster", "--data", str(data), "--site", "phuong-1", "--day", "2026-03-03"]) == 0
    assert key not in capsys.readouterr().out  # the next day's poster is another
