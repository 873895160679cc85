"""`motcua printer test|status|render` as a hall technician uses them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PIL import Image

from hardware import cli
from hardware.sim.escpos import render_job
from hardware.sim.printer import VirtualPrinter


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="motcua")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_printer_test_writes_a_slip_with_the_alphabet_and_extra_lines(tmp_path: Path, capsys) -> None:
    target = tmp_path / "test.bin"
    code = run("printer", "test", f"file://{target}", "--profile", "TM-T20II", "--width", "58",
               "--line", "Dòng thêm số một")
    assert code == 0
    out = capsys.readouterr().out
    assert cli.TEST_LINE.split()[0] in out
    rendered = render_job(target.read_bytes(), 384, {30: "TCVN-3-1", 31: "TCVN-3-2", 52: "CP1258"})
    text = " ".join(rendered.text.split())
    assert " ".join(cli.TEST_LINE.split()) in text  # the whole alphabet came out, tone marks and all
    assert "Dòng thêm số một" in text
    assert "[qr https://motcua.example/printer-test/A001]" in text


def test_printer_render_draws_recorded_bytes(tmp_path: Path, capsys) -> None:
    target, png = tmp_path / "job.bin", tmp_path / "job.png"
    assert run("printer", "test", f"file://{target}", "--width", "80") == 0
    capsys.readouterr()
    assert run("printer", "render", str(target), "--out", str(png)) == 0
    assert "A001" in capsys.readouterr().out
    assert Image.open(png).width == 576


def test_printer_status_reports_each_state(capsys) -> None:
    with VirtualPrinter() as sim:
        assert run("printer", "status", sim.url) == 0
        assert "state: ok" in capsys.readouterr().out
        sim.set_state("paper-out")
        assert run("printer", "status", sim.url) == 1
        assert "hết giấy" in capsys.readouterr().out
        sim.set_state("offline")
        assert run("printer", "status", sim.url, "--timeout", "0.2") == 3
        assert "state: unknown" in capsys.readouterr().out


def test_printer_test_on_paper_out_fails_with_the_citizen_message(capsys) -> None:
    with VirtualPrinter(state="paper-out") as sim:
        assert run("printer", "test", sim.url) == 1
    assert "Máy in đã hết giấy" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("printer", "status", "lpt://1"), "serial://"),
        (("printer", "test", "file:///tmp/x.bin", "--profile", "TM-T20"), "TM-T20II"),
    ],
)
def test_bad_configuration_exits_2_and_says_what_would_work(argv, message, capsys) -> None:
    assert run(*argv) == 2
    assert message in capsys.readouterr().err
