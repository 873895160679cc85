"""How the hall agent is configured and how it turns events into what the LED boards show
(without devices or a server: the boards' wanted state is read directly)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import pytest

from queue_server.agent import (
    AgentConfig,
    DisplayBinding,
    HallAgent,
    KeypadBinding,
    parse_display,
    parse_keypad_map,
)
from queue_server.cli import build_parser
from queue_server.cli.agent import build_config


def test_a_display_is_its_boards_address_or_a_counter_given_before_the_url():
    assert parse_display("serial:///dev/ttyUSB0?address=3") == DisplayBinding(3, "serial:///dev/ttyUSB0?address=3")
    assert parse_display("5=serial:///dev/ttyUSB0?address=9&baudrate=19200") == DisplayBinding(
        5, "serial:///dev/ttyUSB0?address=9&baudrate=19200")
    with pytest.raises(ValueError, match="address"):
        parse_display("serial:///dev/ttyUSB0")
    with pytest.raises(Exception, match="scheme"):
        parse_display("usb://04b8:0202?address=3")


def test_keypads_work_the_counter_of_their_address_unless_mapped():
    binding = KeypadBinding("serial:///dev/ttyUSB1", parse_keypad_map(["7=3", "8=4"]))
    assert [binding.counter_of(a) for a in (7, 8, 2)] == [3, 4, 2]
    with pytest.raises(ValueError, match="ADDRESS=COUNTER"):
        parse_keypad_map(["7:3"])


def _args(*argv: str) -> argparse.Namespace:
    return build_parser("agent").parse_args(["agent", *argv])


def test_the_command_line_adds_to_the_toml_file_and_the_token_can_stay_out_of_it(tmp_path):
    token_file = tmp_path / "agent.token"
    token_file.write_text("mcd_secret\n")
    config_file = tmp_path / "agent.toml"
    config_file.write_text(
        'server = "http://10.0.0.2:8000"\n'
        f'token_file = "{token_file}"\n'
        'languages = ["vi", "en"]\n'
        'displays = ["serial:///dev/ttyUSB0?address=1"]\n'
        'keypads = ["serial:///dev/ttyUSB1"]\n'
        'keypad_map = ["7=3"]\n', encoding="utf-8")
    config = build_config(_args("--config", str(config_file), "--display", "2=serial:///dev/ttyUSB0?address=9",
                                "--speaker", "sim://"), env={})
    assert config.server == "http://10.0.0.2:8000" and config.token == "mcd_secret"
    assert [(d.counter, d.url) for d in config.displays] == [(1, "serial:///dev/ttyUSB0?address=1"),
                                                             (2, "serial:///dev/ttyUSB0?address=9")]
    assert config.keypads == [KeypadBinding("serial:///dev/ttyUSB1", {7: 3})]
    assert config.languages == ("vi", "en") and config.speaker == "sim://"

    from_env = build_config(_args("--server", "http://h:1"), env={"MOTCUA_AGENT_TOKEN": "mcd_env"})
    assert from_env.token == "mcd_env" and from_env.speaker == "none" and from_env.languages == ("vi",)
    with pytest.raises(ValueError, match="token"):
        build_config(_args("--server", "http://h:1"), env={})
    with pytest.raises(ValueError, match="--server"):
        build_config(_args("--token", "x"), env={})


def _agent() -> HallAgent:
    agent = HallAgent(AgentConfig(server="http://127.0.0.1:9", token="t", displays=[
        DisplayBinding(1, "serial:///dev/null-led?address=1"), DisplayBinding(3, "serial:///dev/null-led?address=3"),
        DisplayBinding(4, "serial:///dev/other-led?address=1")], languages=("vi", "en")))
    agent.counters = {n: {"id": n * 10, "state": "open", "current": None} for n in (1, 3, 4)}
    return agent


def _event(kind: str, counter: int, code: str = "A001", ticket_id: int = 1, at: datetime | None = None, **data):
    return {"id": 1, "kind": kind, "at": (at or datetime.now(UTC)).isoformat(), "ticket_id": ticket_id,
            "counter_id": counter * 10, "data": {"code": code, "counter_number": counter, **data}}


def _shown(agent: HallAgent, counter: int):  # noqa: ANN202
    line, address = agent._led_of_counter[counter]
    board = line.boards[address]
    return board.ticket, board.text, board.blink


def test_boards_on_one_line_share_it_and_another_line_is_another_writer():
    agent = _agent()
    assert len(agent.lines) == 2
    line1, address1 = agent._led_of_counter[1]
    line3, address3 = agent._led_of_counter[3]
    assert line1 is line3 and (address1, address3) == (1, 3)
    assert agent._led_of_counter[4][0] is not line1


def test_a_call_blinks_its_board_and_is_queued_for_the_speaker_in_each_language():
    agent = _agent()
    agent.handle(_event("ticket.called", 3, "B012"))
    assert _shown(agent, 3) == ("B012", "", 5)
    assert _shown(agent, 1) == ("", "", 0)
    queued = [agent._sounds.get_nowait()[:3] for _ in range(2)]
    assert queued == [("vi", "B012", 3), ("en", "B012", 3)]


def test_an_old_call_replayed_after_an_outage_updates_the_board_but_is_not_spoken():
    agent = _agent()
    agent.handle(_event("ticket.called", 3, "B012", at=datetime.now(UTC) - timedelta(minutes=5)))
    assert _shown(agent, 3)[0] == "B012"
    assert agent._sounds.empty()


def test_pause_finish_and_close_change_what_the_board_shows():
    agent = _agent()
    agent.handle(_event("ticket.called", 1, "A007", ticket_id=7))
    agent.handle({"id": 2, "kind": "counter.paused", "at": datetime.now(UTC).isoformat(), "counter_id": 10,
                  "data": {"counter_number": 1, "state": "paused"}})
    assert _shown(agent, 1)[:2] == ("A007", "Tạm dừng")
    agent.handle({"id": 3, "kind": "counter.opened", "at": datetime.now(UTC).isoformat(), "counter_id": 10,
                  "data": {"counter_number": 1, "state": "open"}})
    assert _shown(agent, 1)[:2] == ("A007", "")
    agent.handle(_event("ticket.finished", 1, "A006", ticket_id=6))  # another ticket: no change
    assert _shown(agent, 1)[0] == "A007"
    agent.handle(_event("ticket.no_show", 1, "A007", ticket_id=7))
    assert _shown(agent, 1)[0] == ""
    agent.handle(_event("ticket.called", 1, "A008", ticket_id=8))
    agent.handle({"id": 4, "kind": "counter.closed", "at": datetime.now(UTC).isoformat(), "counter_id": 10,
                  "data": {"counter_number": 1, "state": "closed"}})
    assert _shown(agent, 1)[:2] == ("", "")


def test_an_event_id_seen_twice_is_handled_once():
    agent = _agent()
    handled = []
    agent.handle = handled.append  # type: ignore[method-assign]
    payload = '{"id": 41, "kind": "ticket.called", "data": {}}'
    agent._dispatch(41, payload)
    agent._dispatch(41, payload)
    assert len(handled) == 1 and agent.cursor == 41
