"""Configuration: defaults, one TOML file, environment overrides, and clear errors."""

from __future__ import annotations

import pytest

from queue_server.config import ConfigError, Settings, load_settings


def test_defaults_need_no_file(tmp_path):
    s = load_settings(env={})
    assert s.port == 8000 and s.effective_database_url.startswith("sqlite:///")
    assert s.effective_public_url == "http://127.0.0.1:8000" and s.extra == {}


def test_the_file_then_the_environment_win(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text('port = 9000\nno_show_min_calls = 3\nsite_code = "phuong-1"\ncookie_secure = false\n',
                 encoding="utf-8")
    s = load_settings(f, env={"MOTCUA_PORT": "9100", "MOTCUA_COOKIE_SECURE": "yes"})
    assert s.port == 9100 and s.no_show_min_calls == 3 and s.site_code == "phuong-1" and s.cookie_secure is True
    assert s.effective_public_url == "http://127.0.0.1:9100"


def test_the_file_may_come_from_motcua_config_and_the_command_line_beats_all(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text('port = 9000\ndialect = "south"\n', encoding="utf-8")
    s = load_settings(env={"MOTCUA_CONFIG": str(f), "MOTCUA_PORT": "9100"}, port=9200, host=None)
    assert (s.port, s.dialect, s.host) == (9200, "south", "127.0.0.1")


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


def test_a_bad_number_in_the_environment_names_the_variable_in_both_languages():
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"MOTCUA_PORT": "tám nghìn"})
    message = str(caught.value)
    assert message.startswith("biến môi trường MOTCUA_PORT: port = 'tám nghìn' không phải số nguyên")
    assert "environment MOTCUA_PORT: port = 'tám nghìn' is not a valid int" in message


def test_a_bad_value_in_the_file_names_the_key_and_the_file(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text('session_hours = 0\nport = "tám"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(f, env={})
    message = str(caught.value)
    assert f"tệp {f}: port = 'tám' không phải số nguyên" in message
    assert f"file {f}: session_hours must be at least 1, got 0" in message
    # the same key set right in the environment: the file's wrong value is not the one used
    f.write_text('port = "tám"\n', encoding="utf-8")
    assert load_settings(f, env={"MOTCUA_PORT": "8001"}).port == 8001
    # a value from the environment is blamed on the variable, not on the file
    f.write_text('port = 8001\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="environment MOTCUA_SESSION_HOURS: session_hours must be at least 1"):
        load_settings(f, env={"MOTCUA_SESSION_HOURS": "0"})


def test_a_boolean_is_not_a_number_and_toml_that_does_not_parse_says_so(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text("port = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="port = True is a boolean, not a number"):
        load_settings(f, env={})
    f.write_text("port = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="không phải TOML hợp lệ / .* is not valid TOML"):
        load_settings(f, env={})
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings(env={}, colour="red")


def test_unknown_keys_are_refused_but_tables_are_kept_for_their_readers(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text('port = 8001\n[dossiers]\nsame_day_cutoff = "16:00"\n[kiosk]\nserver_url = "http://hall:8000"\n',
                 encoding="utf-8")
    s = load_settings(f, env={"MOTCUA_KIOSK_SERVER_URL": "http://elsewhere", "MOTCUA_NOT_A_SETTING": "1"})
    assert s.extra == {"dossiers": {"same_day_cutoff": "16:00"}, "kiosk": {"server_url": "http://hall:8000"}}
    f.write_text("colour = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"file {f}: unknown key 'colour'"):
        load_settings(f, env={})


def test_export_reads_back_the_same(tmp_path):
    s = load_settings(env={}, port=8123, dialect="south")
    f = tmp_path / "exported.toml"
    f.write_text(s.as_toml(), encoding="utf-8")
    again = load_settings(f, env={})
    assert again.port == 8123 and again.dialect == "south"
    assert again == s


def test_export_of_file_environment_and_tables_reads_back_equal(tmp_path):
    f = tmp_path / "motcua.toml"
    f.write_text('port = 9000\n[dossiers]\nsame_day_cutoff = "16:00"\n'
                 '[dossiers.working_hours]\nmorning = ["07:30", "11:30"]\n'
                 '[dossiers.sites.phuong-1]\nsame_day_cutoff = "15:30"\n'
                 '[kiosk]\nserver_url = "http://10.0.0.2:8000"\nidle_timeout_s = 60\n', encoding="utf-8")
    env = {"MOTCUA_PUBLIC_URL": "http://10.0.0.2:8000", "MOTCUA_METRICS": "token",
           "MOTCUA_METRICS_TOKEN": 'tok "0123456789" \\ ngày', "MOTCUA_COOKIE_SECURE": "1",
           "MOTCUA_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/24", "MOTCUA_SESSION_HOURS": "8"}
    s = load_settings(f, env=env, data_dir=str(tmp_path / "data"))
    exported = tmp_path / "exported.toml"
    exported.write_text(s.as_toml(), encoding="utf-8")
    again = load_settings(exported, env={})
    assert again == s and again.model_dump() == s.model_dump()
    assert (again.port, again.session_hours, again.cookie_secure) == (9000, 8, True)
    assert again.metrics_token == 'tok "0123456789" \\ ngày'
    assert again.extra["dossiers"]["sites"]["phuong-1"] == {"same_day_cutoff": "15:30"}


def test_the_command_exports_what_it_was_given(tmp_path, capsys, monkeypatch):
    from queue_server.cli import main

    f = tmp_path / "motcua.toml"
    f.write_text('port = 9000\n[dossiers]\nsame_day_cutoff = "16:00"\n', encoding="utf-8")
    monkeypatch.setenv("MOTCUA_DIALECT", "south")
    monkeypatch.setenv("MOTCUA_BACKUP_KEEP", "3")
    assert main(["config", "export", "--config", str(f), "--data", str(tmp_path)]) == 0
    exported = tmp_path / "exported.toml"
    exported.write_text(capsys.readouterr().out, encoding="utf-8")
    monkeypatch.delenv("MOTCUA_DIALECT")
    monkeypatch.delenv("MOTCUA_BACKUP_KEEP")
    again = load_settings(exported, env={})
    assert again == load_settings(f, env={"MOTCUA_DIALECT": "south", "MOTCUA_BACKUP_KEEP": "3"},
                                  data_dir=str(tmp_path))
    assert (again.port, again.dialect, again.backup_keep) == (9000, "south", 3)


def test_settings_can_still_be_changed_in_place():
    s = load_settings(env={})
    s.kiosk_tickets_per_minute = 3
    s.extra.setdefault("dossiers", {})["same_day_cutoff"] = "16:00"
    assert s.kiosk_tickets_per_minute == 3 and s.extra["dossiers"] == {"same_day_cutoff": "16:00"}
    assert isinstance(s, Settings)


def test_a_path_given_for_a_directory_setting_is_taken_as_its_text(tmp_path):
    s = load_settings(env={}, data_dir=tmp_path, backup_dir=tmp_path / "backups")
    assert s.backup_dir == str(tmp_path / "backups") and s.effective_backup_dir == tmp_path / "backups"


def test_the_command_stops_with_the_sentence_not_a_traceback(tmp_path, capsys, monkeypatch):
    from queue_server.cli import main

    monkeypatch.setenv("MOTCUA_PORT", "tám nghìn")
    assert main(["config", "export", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "motcua: biến môi trường MOTCUA_PORT: port = 'tám nghìn'" in err and "Traceback" not in err
