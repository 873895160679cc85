"""The kiosk's configuration: the [kiosk] table of the hall's file, MOTCUA_KIOSK_* and the
command line, in that order; a wrong value names the key and where it came from."""

from __future__ import annotations

import pytest

from kiosk.config import KioskConfigError, load_config


def test_the_environment_beats_the_file_and_the_command_line_beats_both(tmp_path):
    toml = tmp_path / "motcua.toml"
    toml.write_text('port = 8000\n[dossiers]\nsame_day_cutoff = "16:00"\n'
                    '[kiosk]\nprinter_width_mm = 58\nfullscreen = true\nhall_name = "Phường An Bình"\n'
                    'connect_timeout_s = 2\n', encoding="utf-8")
    config = load_config(env={"MOTCUA_CONFIG": str(toml), "MOTCUA_KIOSK_PRINTER_WIDTH_MM": "80",
                              "MOTCUA_KIOSK_FULLSCREEN": "off", "MOTCUA_PORT": "not the kiosk's business"},
                         hall_name="Xã Tân Phú")
    assert (config.printer_width_mm, config.fullscreen, config.hall_name) == (80, False, "Xã Tân Phú")
    assert config.connect_timeout_s == 2.0
    # the kiosk's own file wins over the hall's
    own = tmp_path / "kiosk.toml"
    own.write_text('[kiosk]\norientation = "landscape"\n', encoding="utf-8")
    assert load_config(env={"MOTCUA_CONFIG": str(toml), "MOTCUA_KIOSK_CONFIG": str(own)}).size == (1920, 1080)


def test_a_file_without_a_kiosk_table_gives_the_defaults(tmp_path):
    toml = tmp_path / "motcua.toml"
    toml.write_text("port = 8000\n", encoding="utf-8")
    config = load_config(str(toml), env={})
    assert (config.server_url, config.orientation, config.idle_timeout_s) == ("http://127.0.0.1:8000", "portrait", 45)


def test_a_bad_number_in_the_environment_names_the_variable():
    with pytest.raises(KioskConfigError) as caught:
        load_config(env={"MOTCUA_KIOSK_IDLE_TIMEOUT_S": "bốn lăm"})
    message = str(caught.value)
    assert message.startswith("biến môi trường MOTCUA_KIOSK_IDLE_TIMEOUT_S: idle_timeout_s = 'bốn lăm' không phải")
    assert "environment MOTCUA_KIOSK_IDLE_TIMEOUT_S: idle_timeout_s = 'bốn lăm' is not a valid int" in message


def test_a_bad_value_in_the_file_names_the_key_and_the_file(tmp_path):
    toml = tmp_path / "motcua.toml"
    toml.write_text("[kiosk]\nprinter_width_mm = 60\nidle_timeout_s = 3\n", encoding="utf-8")
    with pytest.raises(KioskConfigError) as caught:
        load_config(str(toml), env={})
    message = str(caught.value)
    assert f"file {toml} [kiosk]: printer_width_mm must be one of [58, 80], got 60" in message
    assert f"tệp {toml} [kiosk]: idle_timeout_s phải ít nhất là 5" in message
    toml.write_text("kiosk = 5\n", encoding="utf-8")
    with pytest.raises(KioskConfigError, match=r"\[kiosk\] must be a table"):
        load_config(str(toml), env={})
    with pytest.raises(KioskConfigError, match="config file not found"):
        load_config(str(tmp_path / "missing.toml"), env={})
    with pytest.raises(KioskConfigError, match="command line: idle_timeout_s must be at least 5"):
        load_config(env={}, idle_timeout_s=1)
