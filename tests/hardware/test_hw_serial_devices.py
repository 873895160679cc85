"""LED counter displays and clerk keypads, end to end over pty pairs (os.openpty)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.keypad import Keypad, KeypadAction, KeySequenceDecoder
from hardware.serial_display import SerialDisplay
from hardware.serial_frames import Frame, FrameDecoder, encode_frame
from hardware.serial_url import SerialDeviceError
from hardware.sim.keypad import VirtualKeypad
from hardware.sim.led import VirtualLedBoard


@pytest.fixture
def boards() -> Iterator[VirtualLedBoard]:
    board = VirtualLedBoard(addresses={3, 4})
    board.open()
    yield board
    board.close()


@pytest.fixture
def keypads() -> Iterator[VirtualKeypad]:
    keypad = VirtualKeypad(address=3)
    keypad.open()
    yield keypad
    keypad.close()


def test_display_shows_the_called_ticket_on_the_addressed_board(boards: VirtualLedBoard) -> None:
    with SerialDisplay(f"serial://{boards.path}?baudrate=9600&address=3&ack=1") as display:
        assert display.show(3, "A012", blink_seconds=5)
        assert display.brightness(40)
        assert display.show(4, "B001", address=4)
    assert boards.wait_for(lambda b: 4 in b.shown)
    assert (boards.shown[3].counter, boards.shown[3].ticket) == ("3", "A012")
    assert boards.shown[3].blink_seconds == 5 and boards.shown[3].brightness == 40
    assert (boards.shown[4].counter, boards.shown[4].ticket) == ("4", "B001")


def test_ping_tells_a_present_board_from_a_missing_one(boards: VirtualLedBoard) -> None:
    with SerialDisplay(f"serial://{boards.path}?address=3") as display:
        assert display.ping()
        assert not display.ping(address=9)


def test_broadcast_clears_every_board_and_nobody_answers(boards: VirtualLedBoard) -> None:
    with SerialDisplay(f"serial://{boards.path}") as display:  # no address: broadcast
        display.show(3, "A001", address=3)
        display.show(4, "A002", address=4)
        display.clear()
    assert boards.wait_for(lambda b: all(s.ticket == "" for s in b.shown.values()) and len(b.frames) == 3)


def test_vietnamese_text_reaches_a_text_board_whole(boards: VirtualLedBoard) -> None:
    with SerialDisplay(f"serial://{boards.path}?address=4&ack=1") as display:
        assert display.text("Quầy 4 tạm nghỉ")
    assert boards.shown[4].text == "Quầy 4 tạm nghỉ"


def test_missing_display_port_names_the_path() -> None:
    with pytest.raises(SerialDeviceError, match="/dev/ttyMOTCUA-missing"):
        SerialDisplay("serial:///dev/ttyMOTCUA-missing?address=1").show(1, "A1")


def test_keypad_presses_become_counter_actions(keypads: VirtualKeypad) -> None:
    with Keypad(f"serial://{keypads.path}?baudrate=9600") as keypad:
        keypad.open()
        for key in ("next", "recall", "start", "finish", "no_show"):
            keypads.press(key)
        keypads.type("T5E")
        keypads.type("12E", address=4)
        actions = [keypad.read_action(timeout=3) for _ in range(7)]
        assert keypad.read_action(timeout=0.2) is None
    assert actions == [
        KeypadAction(3, "next"),
        KeypadAction(3, "recall"),
        KeypadAction(3, "start"),
        KeypadAction(3, "finish"),
        KeypadAction(3, "no_show"),
        KeypadAction(3, "transfer", "5"),
        KeypadAction(4, "number", "12"),
    ]
    deadline = time.monotonic() + 2
    while len(keypads.acks) < 12 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert keypads.acks[0] == (3, "N")  # the host acknowledged each key, so the keypad can beep


def test_keypad_url_address_reads_only_that_keypad(keypads: VirtualKeypad) -> None:
    with Keypad(f"serial://{keypads.path}?address=4") as keypad:
        keypad.open()
        keypads.press("next", address=3)
        keypads.press("finish", address=4)
        assert keypad.read_action(timeout=3) == KeypadAction(4, "finish")


def test_loop_url_works_without_hardware() -> None:
    display = SerialDisplay("loop://?address=2")
    assert display.show(1, "A1")
    display.close()


def test_digits_are_kept_per_keypad_and_clear_forgets_them() -> None:
    keys = KeySequenceDecoder()
    assert keys.press(1, "4") is None
    assert keys.press(2, "7") is None
    assert keys.press(1, "C") == KeypadAction(1, "clear")
    assert keys.press(1, "E") is None  # nothing typed any more
    assert keys.press(2, "E") == KeypadAction(2, "number", "7")


frames = st.builds(
    Frame,
    address=st.integers(1, 255),
    command=st.sampled_from("STBKCPAN"),
    data=st.binary(max_size=64),
)


@given(st.lists(frames, max_size=8), st.binary(max_size=16), st.integers(1, 7))
def test_frames_survive_noise_and_any_split(sent: list[Frame], noise: bytes, step: int) -> None:
    noise = noise.replace(b"\x02", b"")  # noise without STX: a resync point would eat a frame
    stream = noise + b"".join(frame.encode() for frame in sent)
    decoder = FrameDecoder()
    received: list[Frame] = []
    for start in range(0, len(stream), step):
        received += decoder.feed(stream[start : start + step])
    assert received == sent


def test_a_corrupted_frame_costs_only_itself() -> None:
    good = encode_frame(3, "S", b"3\x1fA012")
    bad = bytearray(encode_frame(4, "S", b"4\x1fB001"))
    bad[5] ^= 0xFF  # flip a data byte: the checksum no longer matches
    decoder = FrameDecoder()
    assert decoder.feed(bytes(bad) + good) == [Frame(3, "S", b"3\x1fA012")]
    assert decoder.dropped >= 1
