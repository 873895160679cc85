"""`motcua deploy systemd`: the units a hall's IT officer copies into place, golden-checked,
verified by systemd-analyze where it exists, and a clear error for a missing directory.

Golden files: tests/deploy/golden/; after an intended change, regenerate them with
`MOTCUA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/deploy/test_systemd_units.py` and review the diff."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from queue_server.deploy.systemd import SiteScreens, UnitSettings, render, slug
from tests.conftest import CI
from tests.deploy.nginx_process import motcua

GOLDEN = Path(__file__).parent / "golden"

CITY = UnitSettings(
    motcua=Path("/opt/motcua/venv/bin/motcua"), data_dir=Path("/var/lib/motcua"), ports=[8001, 8002],
    host="127.0.0.1", public_url="http://10.0.0.2", database_url="postgresql+psycopg://motcua@db/motcua",
    trusted_proxies="127.0.0.1", sites=[SiteScreens("phuong-1"), SiteScreens("Phường Bến Nghé")])


def test_the_units_of_a_city_match_the_golden_files():
    files = render(CITY)
    for name, text in files.items():
        golden = GOLDEN / name.replace("/", "__")
        if os.environ.get("MOTCUA_UPDATE_GOLDEN") == "1":
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.exists(), f"no golden file for {name}"
        assert text == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}"
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(n.replace("/", "__") for n in files)


def test_the_server_unit_is_hardened_and_restarts_always():
    unit = render(CITY)["motcua-server@.service"]
    for line in ("Restart=always", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                 "PrivateTmp=yes", "User=motcua", "ReadWritePaths=/var/lib/motcua",
                 "EnvironmentFile=/etc/motcua/motcua.env"):
        assert line in unit.splitlines(), line
    assert "--port %i" in unit  # one instance per port
    assert [line for line in unit.splitlines() if line.startswith("ReadWritePaths=")] == [
        "ReadWritePaths=/var/lib/motcua"]  # the data directory and nothing else
    env = render(CITY)["motcua.env"]
    assert "MOTCUA_TRUSTED_PROXIES=127.0.0.1" in env.splitlines()  # nginx on the same machine


def test_each_hall_display_is_chromium_in_kiosk_mode_at_its_sites_address():
    files = render(CITY)
    assert slug("Phường Bến Nghé") == "phuong-ben-nghe"
    unit = files["user/motcua-display-hall-phuong-ben-nghe.service"]
    flags = unit.split("ExecStart=", 1)[1]
    for flag in ("--kiosk", "--noerrdialogs", "--disable-translate", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required", "--disable-session-crashed-bubble"):
        assert flag in flags, flag
    # one argument (URL-encoded) with each % doubled for systemd, which reads %x as a specifier
    assert "http://10.0.0.2/display/hall?site=Ph%%C6%%B0%%E1%%BB%%9Dng%%20B%%E1%%BA%%BFn%%20Ngh%%C3%%A9" in unit
    assert "http://10.0.0.2/display/hall?site=phuong-1" in files["user/motcua-display-hall-phuong-1.service"]
    assert "Restart=always" in unit
    assert "http://10.0.0.2/display/counter/%i" in files["user/motcua-display-counter@.service"]


def test_an_installation_under_home_keeps_its_files_readable():
    home = UnitSettings(motcua=Path("/home/it/motcua/.venv/bin/motcua"), data_dir=Path("/home/it/data"),
                        ports=[8000])
    unit = render(home)["motcua-server@.service"]
    assert "ProtectHome=read-only" in unit.splitlines()


def test_the_command_writes_units_for_the_halls_sites_that_systemd_accepts(tmp_path: Path):
    data = tmp_path / "data"
    motcua("init", "--data", str(data))
    motcua("config", "import", "assets/demo/hall.json", "--data", str(data))
    out = tmp_path / "units"
    out.mkdir()
    verify = shutil.which("systemd-analyze") and Path("/usr/bin/chromium").exists()
    args = ["deploy", "systemd", "--out", str(out), "--data", str(data), "--ports", "8001,8002"]
    result = motcua(*args, *(["--verify"] if verify else []))
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == ["motcua-agent.service", "motcua-server@.service", "motcua.env",
                     "user/motcua-display-counter@.service", "user/motcua-display-hall-phuong-an-binh.service",
                     "user/motcua-kiosk.service"]
    assert stat.S_IMODE((out / "motcua.env").stat().st_mode) == 0o640  # it may hold a database password
    server = (out / "motcua-server@.service").read_text()
    assert f"--data {data.resolve()}" in server and f"ReadWritePaths={data.resolve()}" in server
    if verify:
        assert "systemd-analyze verify: 5 unit(s) OK" in result.stdout
    elif CI:
        pytest.fail("systemd-analyze or Chromium missing: the units could not be verified")
    else:
        pytest.skip("systemd-analyze or /usr/bin/chromium missing here: units written but not verified")


def test_systemd_analyze_finds_a_unit_that_cannot_run(tmp_path: Path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here")
    out = tmp_path / "units"
    out.mkdir()
    result = motcua("deploy", "systemd", "--out", str(out), "--data", str(tmp_path / "data"),
                    "--chromium", "/nonexistent/chromium", "--verify", check=False)
    assert result.returncode == 1
    assert "/nonexistent/chromium" in result.stderr


def test_units_written_into_a_missing_directory_are_a_clear_error(tmp_path: Path):
    out = tmp_path / "no" / "such" / "dir"
    result = motcua("deploy", "systemd", "--out", str(out), "--data", str(tmp_path / "data"), check=False)
    assert result.returncode == 2
    assert "không tồn tại" in result.stderr and "does not exist" in result.stderr
    assert result.stderr.index("không tồn tại") < result.stderr.index("does not exist")
    assert "Traceback" not in result.stderr
    assert not out.exists()
