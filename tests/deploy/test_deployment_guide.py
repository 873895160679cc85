"""docs/deployment.md: every command in its `sh` blocks is run here, in order, block by block,
with the machine's paths moved into a temporary directory (and the PostgreSQL URL pointed at a
fresh test database). Machine administration (`sudo systemctl`, `sudo cp`, ...) needs a real
systemd and root on a real hall PC: those are recognised, listed, and not run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, fresh_postgres_database
from tests.deploy.nginx_process import motcua, require_nginx

GUIDE = ROOT / "docs" / "deployment.md"
# commands that change the machine itself (users, systemd, files under /etc): not run here
ADMINISTRATION = {("sudo", "useradd"), ("sudo", "cp"), ("sudo", "install"), ("sudo", "systemctl")}


def blocks() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    return [[line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
            for body in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_the_guide_is_vietnamese_first_and_has_every_section():
    text = GUIDE.read_text(encoding="utf-8")
    for heading in ("Một phường, một máy (SQLite)", "máy ki-ốt và máy màn hình riêng", "PostgreSQL, nhiều tiến trình",
                    "Nâng cấp / Upgrading", "Sao lưu / Backups", "Theo dõi / What to monitor"):
        assert heading in text, heading
    assert "motcua backup" in text and "motcua restore" in text and "motcua purge" in text
    # in every bilingual paragraph pair the Vietnamese one comes first
    assert text.index("Máy chủ, ki-ốt, màn hình sảnh") < text.index("*Server, kiosk, hall screen")


def _rewrite(word: str, tmp: Path, pg_url: str) -> str:
    word = word.replace("/var/lib/motcua", str(tmp / "data")).replace("/tmp/motcua-units", str(tmp / "units"))
    word = word.replace("/tmp/motcua-nginx.conf", str(tmp / "nginx.conf")).replace("/etc/motcua", str(tmp / "etc"))
    word = word.replace("/tmp/motcua-backup.tar.gz", str(tmp / "backup.tar.gz"))
    word = word.replace("postgresql+psycopg://motcua@127.0.0.1/motcua", pg_url)
    # the LAN address of the guide's server: here loopback on the discard port, which refuses at
    # once (tests send nothing to any address but this machine's loopback; doctor then warns)
    word = word.replace("10.0.0.2:8000", "127.0.0.1:9").replace("10.0.0.2", "127.0.0.1")
    return str(ROOT / "assets" / "demo" / "hall.json") if word == "hall.json" else word


def test_every_command_of_the_guide_runs(tmp_path: Path, monkeypatch):
    require_nginx()
    pg_url, drop = fresh_postgres_database()
    monkeypatch.setenv("MOTCUA_NEW_PASSWORD", "mat-khau-an-toan")
    monkeypatch.delenv("MOTCUA_DATABASE_URL", raising=False)
    ran, skipped = [], []
    try:
        tmp = tmp_path  # one machine: later sections (upgrading, monitoring) work on what earlier ones set up
        for number, block in enumerate(blocks(), start=1):
            block_env: dict[str, str] = {}
            for line in block:
                words = [_rewrite(w, tmp, pg_url) for w in shlex.split(line)]
                if words[0] == "export":
                    key, value = words[1].split("=", 1)
                    block_env[key] = value
                    continue
                env = dict(block_env)
                while re.fullmatch(r"[A-Z_]+=.*", words[0]):
                    key, value = words.pop(0).split("=", 1)
                    env[key] = value
                if tuple(words[:2]) in ADMINISTRATION:
                    skipped.append(line)
                    continue
                if words[0] == "sudo":
                    words = words[1:]
                old = dict(os.environ)
                os.environ.update(env)
                try:
                    if words[0] == "motcua":
                        result = motcua(*words[1:], check=False)
                    else:
                        result = subprocess.run(words, capture_output=True, text=True, check=False)
                finally:
                    os.environ.clear()
                    os.environ.update(old)
                assert result.returncode == 0, f"block {number}: {line}\n{result.stdout}\n{result.stderr}"
                ran.append(line)
    finally:
        drop()
    assert any(line.startswith("motcua deploy nginx") for line in ran)
    assert any("deploy systemd" in line and "--verify" in line for line in ran)
    assert sum(line.startswith("motcua doctor") for line in ran) >= 4
    assert all(line.startswith("sudo ") for line in skipped)
    if not (tmp_path / "units" / "motcua-server@.service").exists():
        pytest.fail("the city's units were not written")
    env = (tmp_path / "units" / "motcua.env").read_text()  # the city's (the last units written)
    assert "MOTCUA_TRUSTED_PROXIES=127.0.0.1" in env and pg_url in env
