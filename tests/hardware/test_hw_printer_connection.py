"""Printers by URL against the virtual printer: typed errors, honest status, bounded writes, reconnect."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.printer import (
    CoverOpen,
    DeviceMissing,
    PaperOut,
    PrinterNotResponding,
    PrinterOffline,
    PrinterTimeout,
    UnknownProfile,
    UnknownScheme,
    open_printer,
    print_slip,
    render_ticket_slip,
)
from hardware.printer.status import parse_replies
from hardware.sim.printer import VirtualPrinter, virtual_printer
from tests.hardware.slip_samples import TICKET

# The documented bound: a printer that stops reading blocks the caller at most `timeout`
# (no progress) plus the time one 512-byte chunk takes; on a pty/loopback that is nothing.
WRITE_TIMEOUT = 0.5
SLACK = 1.0


@pytest.fixture
def printer_sim() -> Iterator[VirtualPrinter]:
    sim = VirtualPrinter(profile="TM-T20II", pty=True).start()
    yield sim
    sim.stop()


def test_a_ticket_prints_and_is_recorded(printer_sim: VirtualPrinter) -> None:
    with open_printer(printer_sim.url, profile="TM-T20II") as printer:
        status = print_slip(printer, TICKET)
    assert status.state == "ok"
    jobs = printer_sim.wait_for_jobs(1)
    assert len(jobs) == 1
    assert jobs[0].data == render_ticket_slip(TICKET, "TM-T20II", 80)
    assert "A012" in printer_sim.render(jobs[0]).text


def test_paper_out_raises_the_typed_error_and_prints_nothing(printer_sim: VirtualPrinter) -> None:
    printer_sim.set_state("paper-out")
    with open_printer(printer_sim.url) as printer, pytest.raises(PaperOut) as raised:
        print_slip(printer, TICKET)
    assert "hết giấy" in raised.value.message_vi
    assert "out of paper" in raised.value.message_en
    time.sleep(0.6)  # longer than the simulator's job idle time
    assert printer_sim.jobs == []


def test_cover_open_raises_cover_open(printer_sim: VirtualPrinter) -> None:
    printer_sim.set_state("cover-open")
    with open_printer(printer_sim.url) as printer, pytest.raises(CoverOpen) as raised:
        print_slip(printer, TICKET)
    assert raised.value.message_vi.startswith("Nắp máy in")


def test_near_end_still_prints_and_says_so(printer_sim: VirtualPrinter) -> None:
    printer_sim.set_state("near-end")
    with open_printer(printer_sim.url) as printer:
        assert print_slip(printer, TICKET).state == "near-end"
    assert len(printer_sim.wait_for_jobs(1)) == 1


def test_silent_printer_is_unknown_never_ok(printer_sim: VirtualPrinter) -> None:
    printer_sim.set_state("offline")
    with open_printer(printer_sim.url, status_timeout=0.2) as printer:
        status = printer.status()
        assert status.state == "unknown"
        assert not status.ready
        with pytest.raises(PrinterNotResponding):
            print_slip(printer, TICKET)


def test_write_to_a_printer_that_stopped_reading_is_bounded_tcp(printer_sim: VirtualPrinter) -> None:
    printer_sim.set_state("offline")
    with open_printer(printer_sim.url, timeout=WRITE_TIMEOUT) as printer:
        started = time.monotonic()
        with pytest.raises(PrinterTimeout):
            printer.print_bytes(b"\x1b@" + b"x" * 2_000_000)
        assert time.monotonic() - started < WRITE_TIMEOUT + SLACK


def test_write_to_a_printer_that_stopped_reading_is_bounded_serial(printer_sim: VirtualPrinter) -> None:
    printer_sim.set_state("offline")
    with open_printer(f"serial://{printer_sim.pty_path}?baudrate=115200", timeout=WRITE_TIMEOUT) as printer:
        started = time.monotonic()
        with pytest.raises(PrinterTimeout):
            printer.print_bytes(b"\x1b@" + b"x" * 2_000_000)
        assert time.monotonic() - started < WRITE_TIMEOUT + SLACK


def test_serial_printer_reconnects_when_it_comes_back(tmp_path: Path) -> None:
    link = tmp_path / "ttyPRINTER"
    first = VirtualPrinter(pty=True, tcp=False).start()
    link.symlink_to(first.pty_path)
    printer = open_printer(f"serial://{link}?baudrate=19200", profile="TM-T20II", timeout=1.0)
    try:
        print_slip(printer, TICKET)
        assert len(first.wait_for_jobs(1)) == 1
        first.stop()  # unplugged
        link.unlink()
        with pytest.raises(PrinterOffline):
            print_slip(printer, TICKET)
        assert printer.status().state == "offline"
        second = VirtualPrinter(pty=True, tcp=False).start()  # plugged back in
        link.symlink_to(second.pty_path)
        try:
            assert print_slip(printer, TICKET).state == "ok"
            assert len(second.wait_for_jobs(1)) == 1
        finally:
            second.stop()
    finally:
        printer.close()


def test_missing_device_error_names_the_path() -> None:
    with pytest.raises(DeviceMissing) as raised:
        print_slip("serial:///dev/ttyUSB-motcua-missing?baudrate=19200", TICKET)
    assert raised.value.path == "/dev/ttyUSB-motcua-missing"
    assert "/dev/ttyUSB-motcua-missing" in str(raised.value)
    with pytest.raises(DeviceMissing) as raised:
        print_slip("file:///no/such/dir/slip.bin", TICKET)
    assert "/no/such/dir" in str(raised.value)


def test_unknown_scheme_lists_the_supported_ones() -> None:
    with pytest.raises(UnknownScheme) as raised:
        open_printer("lpt://1")
    for scheme in ("usb://", "serial://", "tcp://", "file://", "sim://"):
        assert scheme in str(raised.value)


def test_unknown_profile_lists_close_matches() -> None:
    with pytest.raises(UnknownProfile) as raised:
        open_printer("file:///tmp/x.bin", profile="TM-T20")
    assert "TM-T20II" in raised.value.close_matches
    assert "TM-T20II" in str(raised.value)


def test_file_url_writes_the_raw_job(tmp_path: Path) -> None:
    target = tmp_path / "slip.bin"
    status = print_slip(f"file://{target}?profile=RP326&width=58", TICKET)
    assert status.state == "unknown"  # a file cannot say anything about paper
    assert target.read_bytes() == render_ticket_slip(TICKET, "RP326", 58)


def test_sim_url_reaches_the_in_process_virtual_printer() -> None:
    sim = virtual_printer("test-sim-url")
    sim.clear()
    print_slip("sim://test-sim-url?profile=TM-T20II", TICKET)
    assert len(sim.wait_for_jobs(1)) == 1
    sim.set_state("paper-out")
    with pytest.raises(PaperOut):
        print_slip("sim://test-sim-url", TICKET)
    sim.set_state("ok")


class ScriptedPrinter:
    """A TCP 'printer' that answers DLE EOT after `delay` seconds with `replies[n]` (or never)."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.replies: dict[int, int] | None = {1: 0x12, 2: 0x12, 4: 0x12}
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.answered = threading.Semaphore(0)  # released once per reply sent
        threading.Thread(target=self._serve, daemon=True).start()

    def _answer(self, conn: socket.socket, reply: bytes) -> None:
        conn.sendall(reply)
        self.answered.release()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:
                    return
                self.received += data
                for i in range(len(data) - 2):
                    if data[i : i + 2] == b"\x10\x04" and self.replies is not None:
                        answer = self.replies.get(data[i + 2])
                        if answer is not None:
                            delay, reply = self.delay, bytes([answer])
                            threading.Timer(delay, self._answer, (conn, reply)).start()


def test_a_late_reply_is_not_read_as_the_next_answer() -> None:
    fake = ScriptedPrinter()
    fake.delay = 0.4  # slower than the status timeout below
    with open_printer(f"tcp://127.0.0.1:{fake.port}", status_timeout=0.15) as printer:
        assert printer.status().state == "unknown"
        assert fake.answered.acquire(timeout=10)  # the late "all fine" reply has been sent
        time.sleep(0.05)  # and has crossed the loopback
        fake.delay = 0.0
        fake.replies = {1: 0x1A, 2: 0x32, 4: 0x7E}  # now: offline, paper end
        assert printer.status().state == "paper-out"


def test_a_printer_that_never_answers_may_be_declared_silent() -> None:
    fake = ScriptedPrinter()
    fake.replies = None
    url = f"tcp://127.0.0.1:{fake.port}?status=none"
    assert print_slip(url, TICKET).state == "unknown"  # printed anyway: the URL said it cannot answer
    expected = render_ticket_slip(TICKET, None, 80)
    deadline = time.monotonic() + 3
    while len(fake.received) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert bytes(fake.received) == expected  # no status query was sent, just the job


@pytest.mark.parametrize(
    ("replies", "state"),
    [
        ((0x12, 0x12, 0x12), "ok"),
        ((0x12, 0x12, 0x1E), "near-end"),
        ((0x1A, 0x32, 0x7E), "paper-out"),
        ((0x1A, 0x16, 0x12), "cover-open"),
        ((0x1A, 0x12, 0x12), "offline"),
        ((0x1A, 0x52, 0x12), "error"),
        ((0x00, 0x12, 0x12), "unknown"),  # not a status byte
    ],
)
def test_status_bytes_are_read_as_the_epson_manual_says(replies: tuple[int, int, int], state: str) -> None:
    assert parse_replies(*replies).state == state

