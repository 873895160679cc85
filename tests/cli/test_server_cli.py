"""`motcua init | user add | device add | config import/export` as an operator types them."""

from __future__ import annotations

import json

from queue_server.cli import main
from queue_server.services.catalog_files import DEMO_CATALOG
from queue_server.services.seed import DEMO_HALL


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_import_add_people_and_devices(tmp_path, capsys):
    data = str(tmp_path)
    assert run(capsys, "init", "--data", data)[0] == 0
    code, out, _ = run(capsys, "config", "import", str(DEMO_HALL), "--data", data)
    assert code == 0 and "imported" in out
    code, out, _ = run(capsys, "catalog", "import", str(DEMO_CATALOG), "--data", data)
    assert code == 0
    code, out, _ = run(capsys, "user", "add", "lan", "--role", "clerk", "--password", "mot-hai-ba-bon",
                       "--full-name", "Nguyễn Thị Lan", "--data", data)
    assert code == 0 and "lan" in out
    code, out, _ = run(capsys, "device", "add", "Ki-ốt 2", "--kind", "kiosk", "--data", data)
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("mcd_")
    code, out, _ = run(capsys, "config", "export", "--hall", "--data", data)
    hall = json.loads(out)
    assert hall["site"]["code"] == "phuong-an-binh" and len(hall["counters"]) == 6


def test_a_wrong_hall_file_imports_nothing_and_says_where(tmp_path, capsys):
    data = str(tmp_path)
    bad = tmp_path / "hall.json"
    bad.write_text(json.dumps({"site": {"code": "x", "name": "X"},
                               "services": [{"code": "A", "prefix": "A", "name_vi": "Một"},
                                            {"code": "B", "prefix": "A", "name_vi": "Hai"}],
                               "counters": [{"number": 1, "services": {"Z": 1}}]}), encoding="utf-8")
    code, _, err = run(capsys, "config", "import", str(bad), "--data", data)
    assert code == 2
    assert "services[1].prefix" in err and "counters[0].services.Z" in err
    code, _, err = run(capsys, "config", "export", "--hall", "--data", data)
    assert code == 2 and "Không tìm thấy" in err  # no site was created


def test_errors_are_sentences_not_tracebacks(tmp_path, capsys):
    code, _, err = run(capsys, "device", "add", "K", "--kind", "kiosk", "--data", str(tmp_path))
    assert code == 2 and "Không tìm thấy" in err and "Traceback" not in err


def test_serve_refuses_a_wrong_dossier_setting_before_starting(tmp_path, capsys):
    config = tmp_path / "motcua.toml"
    config.write_text('[dossiers.sites.phuong-1]\nlookup_window_minutes = 5\n', encoding="utf-8")
    # an address nobody can listen on: if the check let it through, the start fails at once
    code, _, err = run(capsys, "serve", "--config", str(config), "--data", str(tmp_path), "--host", "256.0.0.1")
    assert code == 2 and "[dossiers.sites.phuong-1]: 'lookup_window_minutes' cannot be set per site" in err
    assert "Traceback" not in err
