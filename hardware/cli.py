"""`motcua printer ...`: test, status, render and simulate thermal printers.

    motcua printer test URL [--profile NAME] [--width 58|80] [--line TEXT ...]
    motcua printer status URL
    motcua printer render FILE.bin --out FILE.png [--profile NAME] [--width 58|80]
    motcua printer sim [--port 9100] [--pty] [--state ok] [--jobs-dir DIR]
    motcua printer profiles

Exit codes: 0 done (status: printer ready), 1 printer problem (message in Vietnamese
and English on stderr), 2 bad configuration, 3 status unknown (printer silent).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

TEST_LINE = (
    "ĂÂĐÊÔƠƯ ăâđêôơư àảãáạ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ ùủũúụ ừửữứự ỳỷỹýỵ"
)
DEFAULT_HALL = "Bộ phận tiếp nhận và trả kết quả"


def register(subparsers: argparse._SubParsersAction) -> None:
    printer = subparsers.add_parser("printer", help="máy in phiếu / thermal printers: test, status, render, sim")
    commands = printer.add_subparsers(dest="printer_command", metavar="ACTION")
    commands.required = True

    test = commands.add_parser("test", help="print the standard test slip")
    test.add_argument("url", help="printer URL, e.g. tcp://10.0.0.5:9100, serial:///dev/ttyUSB0?baudrate=19200")
    test.add_argument("--profile", help="python-escpos model name, e.g. TM-T20II (default: generic)")
    test.add_argument("--width", type=int, choices=(58, 80), help="paper width in mm (default 80)")
    test.add_argument("--line", action="append", default=[], metavar="TEXT", help="another line to print")
    test.add_argument("--hall", default=DEFAULT_HALL, help="hall name printed as the title")
    test.add_argument("--no-status", action="store_true", help="do not ask the printer's status first")
    test.set_defaults(func=cmd_test)

    status = commands.add_parser("status", help="ask the printer how it is (DLE EOT)")
    status.add_argument("url")
    status.add_argument("--timeout", type=float, default=None, help="seconds to wait for each answer")
    status.set_defaults(func=cmd_status)

    render = commands.add_parser("render", help="draw recorded printer bytes as PNG (the simulator's renderer)")
    render.add_argument("file", type=Path, help="raw job bytes, e.g. from file:///tmp/slip.bin")
    render.add_argument("--out", type=Path, required=True, help="PNG to write")
    render.add_argument("--profile", help="model whose code pages decode the text (default TM-T20II)")
    render.add_argument("--width", type=int, choices=(58, 80), default=80)
    render.set_defaults(func=cmd_render)

    sim = commands.add_parser("sim", help="run a virtual printer until Ctrl+C")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=9100)
    sim.add_argument("--pty", action="store_true", help="also listen on a pseudo-terminal (serial)")
    sim.add_argument("--profile", default="TM-T20II")
    sim.add_argument("--width", type=int, choices=(58, 80), default=80)
    sim.add_argument("--state", default="ok", help="ok, near-end, paper-out, cover-open or offline")
    sim.add_argument("--jobs-dir", type=Path, help="save every job as .bin and .png here")
    sim.set_defaults(func=cmd_sim)

    profiles = commands.add_parser("profiles", help="list printer profiles and their Vietnamese code pages")
    profiles.set_defaults(func=cmd_profiles)


def _fail(error: Exception) -> int:
    from hardware.printer.errors import PrinterConfigError, PrinterError

    if isinstance(error, PrinterError):
        print(error.message_vi, file=sys.stderr)
        print(error.message_en, file=sys.stderr)
        print(f"({type(error).__name__}: {error})", file=sys.stderr)
        return 2 if isinstance(error, PrinterConfigError) else 1
    raise error


def standard_test_slip(hall: str, lines: list[str], profile_label: str, width_mm: int, width_dots: int):
    """The standard test slip: hall name, a sample ticket code, the Vietnamese alphabet, a QR code."""
    from hardware.printer.slip import SlipBuilder

    builder = (
        SlipBuilder()
        .text(hall, "title")
        .text("Phiếu in thử - Printer test", "center")
        .separator()
        .text("A001", "huge", "bold", "center")
        .text(TEST_LINE)
    )
    for line in lines:
        builder.text(line)
    builder.separator()
    builder.qr("https://motcua.example/printer-test/A001")
    builder.text(f"profile {profile_label} - {width_mm} mm - {width_dots} dots", "small", "center")
    return builder.build()


def cmd_test(args: argparse.Namespace) -> int:
    from hardware.printer import PrinterError, layout_slip, open_printer, print_slip

    try:
        printer = open_printer(args.url, profile=args.profile, width_mm=args.width)
    except PrinterError as error:
        return _fail(error)
    with printer:
        profile = printer.profile
        slip = standard_test_slip(args.hall, args.line, profile.label, profile.width_mm, profile.width_dots)
        rendering = layout_slip(slip, profile)
        for line in rendering.lines:
            if line.kind != "feed":
                print(f"{line.encoding:>12} {line.nbytes:6d} B  {line.text}")
        print(f"{len(rendering.data)} bytes for {profile.label}, {profile.width_mm} mm")
        try:
            status = print_slip(printer, rendering.data, check_status=not args.no_status)
        except PrinterError as error:
            return _fail(error)
        print(f"printed; printer status: {status.state}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from hardware.printer import PrinterError, open_printer

    try:
        printer = open_printer(args.url, status_timeout=args.timeout)
    except PrinterError as error:
        return _fail(error)
    with printer:
        status = printer.status()
    print(f"state: {status.state}")
    print(status.describe())
    if status.state == "unknown":
        return 3
    return 0 if status.ready else 1


def cmd_render(args: argparse.Namespace) -> int:
    from hardware.printer import PrinterError
    from hardware.printer.profiles import code_page_table, resolve_profile
    from hardware.sim.escpos import render_job

    try:
        profile = resolve_profile(args.profile or "TM-T20II", args.width)
        pages = code_page_table(profile.name)
    except PrinterError as error:
        return _fail(error)
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    job = render_job(data, profile.width_dots, pages)
    job.save_png(args.out)
    sys.stdout.write(job.text)
    print(f"wrote {args.out} ({job.image.width}x{job.image.height} dots)", file=sys.stderr)
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from hardware.sim.printer import VirtualPrinter

    printer = VirtualPrinter(
        args.host, args.port, profile=args.profile, width_mm=args.width, pty=args.pty, state=args.state,
        jobs_dir=args.jobs_dir,
    ).start()
    print(f"virtual printer on tcp://{printer.host}:{printer.port}", flush=True)
    if printer.pty_path:
        print(f"and serial://{printer.pty_path}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            jobs = printer.jobs
            for job in jobs[seen:]:
                print(f"job {job.number}: {len(job.data)} bytes from {job.source}", flush=True)
            seen = len(jobs)
    except KeyboardInterrupt:
        pass
    finally:
        printer.stop()
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    from hardware.printer.profiles import profile_names, resolve_profile

    for name in profile_names():
        profile = resolve_profile(name, 80)
        pages = ", ".join(f"{n}={p}" for n, p in profile.vietnamese.pages) or "none (raster)"
        qr = "QR" if profile.native_qr else "QR as image"
        print(f"{name:18} {profile.width_dots:4d} dots  {qr:11}  Vietnamese: {pages}")
    return 0
