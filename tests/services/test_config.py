"""Configuration: defaults, one TOML file, environment overrides, and clear errors."""

from __future__ import annotations

import pytest

from queue_server.config import ConfigError, load_settings


def test_defaults_need_no_file(tmp_path):
    s = load_settings(env={})
    assert s.port == 8000 and s.effective_database_url.startswith("sqlite:///")


def test_the_file_then_the_environment_win(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text('port = 9000\nno_show_min_calls = 3\nsite_code = "phuong-1"\n', encoding="utf-8")
    s = load_settings(f, env={"MOTCUA_PORT": "9100"})
    assert s.port == 9100 and s.no_show_min_calls == 3 and s.site_code == "phuong-1"


def test_errors_name_the_key_and_where_it_came_from(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text("prot = 9000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="prot"):
        load_settings(f, env={})
    with pytest.raises(ConfigError, match="MOTCUA_PORT"):
        load_settings(env={"MOTCUA_PORT": "tám nghìn"})
    with pytest.raises(ConfigError, match="transfer_placement"):
        load_settings(env={"MOTCUA_TRANSFER_PLACEMENT": "sideways"})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", env={})


def test_export_reads_back_the_same(tmp_path):
    s = load_settings(env={}, port=8123, dialect="south")
    f = tmp_path / "exported.toml"
    f.write_text(s.as_toml(), encoding="utf-8")
    again = load_settings(f, env={})
    assert again.port == 8123 and again.dialect == "south"
