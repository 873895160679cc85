"""The hall agent against a real server process and simulated devices on pseudo-terminals:
calls reach the LED boards and the speaker, keypad presses reach the server, and neither a
server restart nor an unplugged display loses a call."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hardware.sim.keypad import VirtualKeypad
from hardware.sim.led import VirtualLedBoard
from hardware.speaker.player import SimSpeaker
from queue_server.agent import AgentConfig, DisplayBinding, HallAgent, KeypadBinding
from queue_server.services.queue import tickets as queue
from tests.e2e.conftest import Served, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def board() -> Iterator[VirtualLedBoard]:
    b = VirtualLedBoard(addresses={1, 2, 3})
    b.open()
    yield b
    b.close()


def start_agent(served: Served, displays: list[DisplayBinding], keypads: list[KeypadBinding] | None = None,
                languages: tuple[str, ...] = ("vi",)) -> HallAgent:
    agent = HallAgent(AgentConfig(server=served.url, token=served.hall.agent_token, displays=displays,
                                  keypads=keypads or [], languages=languages), speaker=SimSpeaker())
    agent.start()
    assert agent.connected.wait(15), "the agent did not connect"
    return agent


def shows(board: VirtualLedBoard, address: int, ticket: str, text: str | None = None) -> bool:
    state = board.shown.get(address)
    return state is not None and state.ticket == ticket and (text is None or state.text == text)


def announcement(served: Served, lang: str, code: str, counter: int) -> bytes:
    return httpx.get(f"{served.url}/api/v1/announcements/{lang}/{code}/{counter}.wav").content


def test_a_call_shows_on_its_counters_board_blinks_and_is_spoken(served, board):
    served.issue(served.hall.a, 1)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    agent = start_agent(served, [DisplayBinding(n, f"serial://{board.path}?address={n}") for n in (1, 2, 3)],
                        languages=("vi", "en"))
    try:
        served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
        assert board.wait_for(lambda b: shows(b, 3, "A001") and b.shown[3].blink_seconds == 5)
        assert board.shown[3].counter == "3"
        wait_until(lambda: len(agent.speaker.played) == 2, message="the call in Vietnamese then English")
        assert agent.speaker.played == [announcement(served, "vi", "A001", 3), announcement(served, "en", "A001", 3)]

        served.post(f"/api/v1/counters/{served.hall.c3}/recall")
        wait_until(lambda: len(agent.speaker.played) == 4, message="the recall spoken again")
        served.post(f"/api/v1/counters/{served.hall.c3}/pause")
        assert board.wait_for(lambda b: shows(b, 3, "A001", "Tạm dừng"))
        served.post(f"/api/v1/counters/{served.hall.c3}/open")
        assert board.wait_for(lambda b: shows(b, 3, "A001", ""))
        served.post(f"/api/v1/counters/{served.hall.c3}/finish")
        assert board.wait_for(lambda b: shows(b, 3, ""))
        assert board.shown[1].ticket == "" and board.shown[2].ticket == ""  # other counters untouched
    finally:
        agent.stop()


def test_keypad_presses_work_the_counter_through_the_server(served, board):
    served.issue(served.hall.a, 2)
    keypad = VirtualKeypad(address=7)
    keypad.open()
    agent = start_agent(served, [DisplayBinding(3, f"serial://{board.path}?address=3")],
                        [KeypadBinding(f"serial://{keypad.path}", {7: 3})])
    try:
        assert served.counter(served.hall.c3)["state"] == "closed"
        keypad.press("next")  # a closed counter is opened, then A001 called
        wait_until(lambda: (served.counter(served.hall.c3)["current"] or {}).get("code") == "A001",
                   message="the server to call A001 at counter 3")
        assert board.wait_for(lambda b: shows(b, 3, "A001"))
        assert (7, "N") in keypad.acks  # the keypad beeped

        keypad.press("start")
        wait_until(lambda: served.counter(served.hall.c3)["current"]["state"] == "serving", message="serving")
        keypad.type("T2E")  # transfer to the 2nd service of the hall (Chứng thực)
        wait_until(lambda: served.counter(served.hall.c3)["current"] is None, message="the transfer")
        waiting = {s["code"]: s["waiting"] for s in served.counter(served.hall.c1)["services"]}
        assert waiting == {"HT": 1, "CT": 1}

        keypad.press("next")
        wait_until(lambda: (served.counter(served.hall.c3)["current"] or {}).get("code") == "A002", message="A002")
        keypad.press("finish")
        wait_until(lambda: served.counter(served.hall.c3)["current"] is None, message="finished")
        keypad.press("next")  # counter 3 serves only Hộ tịch: nobody is left
        assert board.wait_for(lambda b: shows(b, 3, "", "Hết số chờ"))
    finally:
        agent.stop()
        keypad.close()


def test_the_agent_misses_nothing_across_a_server_restart_and_a_replugged_display(served, board, tmp_path: Path):
    served.issue(served.hall.a, 3)
    served.post(f"/api/v1/counters/{served.hall.c1}/open")
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    link = tmp_path / "ttyLED"  # like /dev/serial/by-id/...: the name stays, the device behind it changes
    os.symlink(board.path, link)
    agent = start_agent(served, [DisplayBinding(n, f"serial://{link}?address={n}") for n in (1, 3)])
    replugged = VirtualLedBoard(addresses={1, 3})
    try:
        served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
        assert board.wait_for(lambda b: shows(b, 3, "A001"))

        served.server.kill()
        wait_until(lambda: not agent.connected.is_set(), message="the agent to notice")
        assert queue.call_next(served.ctx, served.hall.supervisor, served.hall.c1).code == "A002"
        served.server.start()
        assert board.wait_for(lambda b: shows(b, 1, "A002"), timeout=15)
        wait_until(lambda: len(agent.speaker.played) == 2, message="A001 and A002 spoken")

        # the display is unplugged and plugged in again (a new device behind the same name)
        board.close()
        replugged.open()
        link.unlink()
        os.symlink(replugged.path, link)
        served.post(f"/api/v1/counters/{served.hall.c3}/start")
        served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
        assert replugged.wait_for(lambda b: shows(b, 3, "A003") and shows(b, 1, "A002"), timeout=15)

        wait_until(lambda: len(agent.speaker.played) == 3, message="A003 spoken")
        agent.stop()
        assert agent.speaker.played == [announcement(served, "vi", code, n)
                                        for code, n in (("A001", 3), ("A002", 1), ("A003", 3))]
    finally:
        agent.stop()
        replugged.close()
