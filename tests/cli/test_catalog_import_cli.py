"""`motcua catalog import FILE` as an administrator runs it on the hall's server."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from queue_server.cli import main
from queue_server.services.catalog_files import DEMO_CATALOG
from tests.conftest import ROOT


def test_import_refuses_a_broken_file_and_lists_every_error(tmp_path, capsys) -> None:
    assert main(["config", "import", str(ROOT / "assets/demo/hall.json"), "--data", str(tmp_path)]) == 0
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    del doc["procedures"][3]["channels"][0]["processing_time"]
    doc["fields"][0]["code"] = "hộ tịch"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["catalog", "import", str(bad), "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "procedures[3].channels[0].processing_time" in err and "fields[0].code" in err
    assert "chưa nhập gì / " in err and "nothing imported" in err
    engine = create_engine(f"sqlite:///{tmp_path / 'motcua.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM procedures")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM services")).scalar() == 0
    engine.dispose()


def test_import_loads_the_demo_and_a_second_run_changes_nothing(tmp_path, capsys) -> None:
    assert main(["config", "import", str(ROOT / "assets/demo/hall.json"), "--data", str(tmp_path)]) == 0
    assert main(["catalog", "import", str(DEMO_CATALOG), "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "32 thủ tục" in out and "created service CA" in out and "created counter 6" in out
    assert main(["catalog", "import", str(DEMO_CATALOG), "--data", str(tmp_path)]) == 0
    assert "không thay đổi / unchanged" in capsys.readouterr().out
