"""`motcua demo`: a whole hall on one machine, on SQLite, with simulated devices.

Seeds the demo hall: the site, its policy and people from assets/demo/hall.json, then its
procedure catalogue from assets/catalog/demo-ward.json, which is the one source of truth
for the hall's queue services and counters (the import creates those the site lacks).
Then it starts a simulated slip printer and, when a display exists (and not --no-kiosk),
the kiosk window in its own process; otherwise it prints how to run the kiosk. Finally it
runs the server in the foreground.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.catalog import import_catalog
from queue_server.services.catalog_files import DEMO_CATALOG, read_catalog_file
from queue_server.services.context import SYSTEM, Context
from queue_server.services.seed import DEMO_HALL, load_hall, read_hall_file
from queue_server.store import migrate

DEMO_DATA = Path("data/demo")


def seed_demo(ctx: Context) -> dict:
    """Load the demo hall and catalogue, make sure a kiosk device exists; returns what the demo prints."""
    spec = read_hall_file(DEMO_HALL)
    loaded = load_hall(ctx, spec)
    imported = import_catalog(ctx, SYSTEM, read_catalog_file(DEMO_CATALOG), site=spec["site"]["code"],
                              source=DEMO_CATALOG.name)
    tokens_file = Path(ctx.settings.data_dir) / "demo-devices.json"
    devices = json.loads(tokens_file.read_text()) if tokens_file.exists() else {}
    for kind, name in (("kiosk", "Ki-ốt sảnh chính"), ("agent", "Máy điều khiển sảnh")):
        if kind not in devices:
            made = admin.create_device(ctx, SYSTEM, loaded["site_id"], kind=kind, name=name)
            devices[kind] = {"id": made["id"], "token": made["token"]}
    tokens_file.parent.mkdir(parents=True, exist_ok=True)
    tokens_file.write_text(json.dumps(devices, indent=2))
    return {"site_id": loaded["site_id"], "site_code": spec["site"]["code"], "devices": devices,
            "users": spec.get("users", []), "catalog": imported.as_json(), "tokens_file": tokens_file}


def has_display() -> bool:
    """Whether a window can be opened here (Linux needs X11 or Wayland; others always can)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def kiosk_command(base: str, tokens_file: Path, printer_url: str, site_code: str) -> list[str]:
    return [sys.executable, "-m", "queue_server.cli", "kiosk", "--server", base, "--token-file", str(tokens_file),
            "--printer", printer_url, "--site", site_code]


def tour_command(kiosk: list[str], out: Path, orientation: str = "portrait") -> list[str]:
    """The kiosk command that saves one PNG per screen into `out` without a display."""
    return [*kiosk, "--tour", str(out), "--orientation", orientation]


# Whose logins the demo prints, with the label (Vietnamese / English, padded like the rest)
DEMO_LOGINS = (("clerk", "Cán bộ / demo clerk:    "), ("supervisor", "Giám sát / supervisor:  "),
               ("admin", "Quản trị / admin:       "))


def run_demo(args: argparse.Namespace) -> int:
    import uvicorn

    from hardware.sim.printer import VirtualPrinter
    from queue_server.api.app import create_app
    from queue_server.cli.public_address import warn_if_unreachable

    settings = load_settings(args.config, data_dir=args.data_dir or str(DEMO_DATA), database_url=args.database_url,
                             host=args.host, port=args.port)
    binds = demo_addresses(settings, auto=args.host is None)
    ctx = Context.create(settings)
    migrate.upgrade(ctx.db.engine)
    info = seed_demo(ctx)
    local_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    base = f"http://{local_host}:{settings.port}"  # where this machine's pages and kiosk reach the server
    slips = Path(settings.data_dir).resolve() / "slips"
    printer = VirtualPrinter("127.0.0.1", 0, jobs_dir=slips, name="demo-kiosk").start()
    # the reception desk's receipt printer ("Tiếp nhận và in giấy hẹn"), unless one is configured
    dossier_config = settings.extra.setdefault("dossiers", {})
    receipts = None
    if not dossier_config.get("printer_url"):
        receipts = VirtualPrinter("127.0.0.1", 0, jobs_dir=slips / "receipts", name="demo-receipts").start()
        dossier_config["printer_url"] = receipts.url
    print("Motcua demo — Bộ phận một cửa mô phỏng / simulated one-stop hall")
    print(f"  Máy chủ / server:       {base}  (API: {base}/docs)")
    for role, label in DEMO_LOGINS:
        user = next((u for u in info["users"] if u["role"] == role), None)
        if user:
            print(f"  {label}{user['username']} / {user['password']}")
    print(f"  Dữ liệu / data:         {Path(settings.data_dir).resolve()}")
    cat = info["catalog"]
    print(f"  Danh mục / catalogue:   {cat['procedures']} thủ tục / procedures, {cat['fields']} lĩnh vực / fields")
    print(f"  Máy in mô phỏng / simulated printer: {printer.url} (phiếu / slips: {slips})")
    if receipts is not None:
        print(f"  Máy in giấy hẹn mô phỏng / simulated receipt printer: {receipts.url} "
              f"(phiếu / slips: {slips / 'receipts'})")
    print(f"  Điện thoại / phones:    {settings.effective_public_url}  (mã QR trên phiếu mở trang theo dõi lượt "
          "/ the slip's QR opens the live position page)")
    warn_if_unreachable(settings.effective_public_url)
    command = kiosk_command(base, info["tokens_file"].resolve(), printer.url, info["site_code"])
    kiosk = None
    if args.no_kiosk:
        pass
    elif has_display():
        kiosk = subprocess.Popen(command)
        print("  Ki-ốt / kiosk:          cửa sổ đã mở / window opened")
    else:
        print("  Ki-ốt / kiosk:          không có màn hình / no display; chạy / run:")
        print("    " + " ".join(command))
    print("  Ảnh chụp ki-ốt không cần màn hình / headless kiosk screenshots:")
    print("    " + " ".join(tour_command(command, Path("artifacts/kiosk/tour"))))
    numbers = demo_counter_numbers(ctx, info)
    print_demo_pages(base, info, numbers)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    devices = start_demo_displays(settings, info, numbers)
    try:
        server = uvicorn.Server(uvicorn.Config(create_app(settings, ctx=ctx), host=settings.host, port=settings.port,
                                               log_level="warning", timeout_graceful_shutdown=3,
                                               proxy_headers=False))
        try:
            server.run(sockets=listening_sockets(binds, settings.port) if len(binds) > 1 else None)
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down for; it is the normal end
            pass
    finally:
        devices.stop()
        if kiosk is not None and kiosk.poll() is None:
            kiosk.terminate()
            try:
                kiosk.wait(5)
            except subprocess.TimeoutExpired:
                kiosk.kill()
        printer.stop()
        if receipts is not None:
            receipts.stop()
    return 0


# -- the address phones use ----------------------------------------------------------------------

def demo_addresses(settings, *, auto: bool) -> list[str]:  # noqa: ANN001
    """Where the demo listens. When no public_url is set, it becomes this machine's address on
    the local network (if one is found), so the QR on the demo's slips opens on a phone in the
    same Wi-Fi; without --host the demo then listens there as well as on loopback."""
    from queue_server.cli.public_address import lan_address, unreachable_host

    binds = [settings.host]
    if settings.public_url:
        return binds
    lan = lan_address()
    if lan is None:
        return binds
    if settings.host in ("0.0.0.0", ""):
        settings.public_url = f"http://{lan}:{settings.port}"
    elif auto and unreachable_host(f"http://{settings.host}/") is not None:
        settings.public_url = f"http://{lan}:{settings.port}"
        binds.append(lan)
    return binds


def listening_sockets(hosts: list[str], port: int) -> list:
    """One listening TCP socket per IPv4 address; an address that cannot be bound is left out
    (said on stderr), the first (loopback) one must work."""
    import socket

    sockets = []
    for i, host in enumerate(hosts):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            if i == 0:
                raise
            print(f"Không nghe được trên / cannot listen on {host}:{port}: {exc}", file=sys.stderr)
            continue
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


# -- web pages, simulated LED counter displays and the hall agent --------------------------------

def demo_counter_numbers(ctx: Context, info: dict) -> list[int]:
    """The demo hall's counter numbers, as seeded (they come with the catalogue)."""
    from queue_server.services.queue.counters import list_counters

    return [c["number"] for c in list_counters(ctx, info["site_id"])]


def print_demo_pages(base: str, info: dict, numbers: list[int]) -> None:
    """The pages of the demo hall and the clerk to log in with."""
    clerk = next((u for u in info["users"] if u["role"] == "clerk"), None)
    print(f"  Bàn gọi số / console:   {base}/console" + (f"  ({clerk['username']} / {clerk['password']})" if clerk else ""))
    print(f"  Màn hình sảnh / hall:   {base}/display/hall")
    for n in numbers:
        print(f"  Màn hình quầy {n} / counter {n} screen: {base}/display/counter/{n}")


class DemoDisplays:
    """Simulated LED boards and clerk keypads (one pty bus each, one address per counter),
    driven and read by the hall agent."""

    def __init__(self, board, keypad, agent, watcher_stop) -> None:  # noqa: ANN001
        self.board, self.keypad, self.agent, self.watcher_stop = board, keypad, agent, watcher_stop

    def stop(self) -> None:
        self.watcher_stop.set()
        self.agent.stop()
        self.board.close()
        self.keypad.close()


KEYPAD_HELP = ("gõ / type “3 N” + Enter: quầy 3 bấm N (N gọi tiếp / next, R gọi lại / recall, S bắt đầu / start, "
               "F hoàn thành / finish, X vắng mặt / no-show, T2E chuyển sang dịch vụ 2 / transfer)")


def press_keys(keypad, line: str, numbers: list[int]) -> str | None:  # noqa: ANN001
    """One line typed at the demo's terminal, e.g. ``3 N`` or ``3 T2E``: press those keys on
    counter 3's simulated keypad. Returns what was wrong with the line, or None."""
    parts = line.split()
    if not parts:
        return None
    if len(parts) != 2 or not parts[0].isdigit():
        return f"“{line.strip()}”: {KEYPAD_HELP}"
    counter, keys = int(parts[0]), parts[1]
    if counter not in numbers:
        return f"không có quầy {counter} / no counter {counter} (quầy / counters: {', '.join(map(str, numbers))})"
    try:
        keypad.type(keys, address=counter)
    except ValueError as exc:
        return str(exc)
    return None


def start_demo_displays(settings, info: dict, numbers: list[int]) -> DemoDisplays:  # noqa: ANN001
    """Open a virtual LED bus with a board per counter and a virtual keypad bus, and run the
    agent on them in this process; what the boards show is printed as it changes, and lines
    typed at the terminal press keypad keys."""
    import threading

    from hardware.sim.keypad import VirtualKeypad
    from hardware.sim.led import VirtualLedBoard
    from queue_server.agent import AgentConfig, DisplayBinding, HallAgent, KeypadBinding

    board = VirtualLedBoard(addresses=set(numbers))
    path = board.open()
    keypad = VirtualKeypad()
    keypad_path = keypad.open()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    agent = HallAgent(AgentConfig(
        server=f"http://{host}:{settings.port}", token=info["devices"]["agent"]["token"],
        displays=[DisplayBinding(n, f"serial://{path}?address={n}") for n in numbers],
        keypads=[KeypadBinding(f"serial://{keypad_path}")], speaker="none"))
    print(f"  Bảng LED mô phỏng / simulated LED boards: serial://{path}?address=1..{max(numbers, default=1)}")
    print(f"  Bàn phím mô phỏng / simulated keypads: serial://{keypad_path} — {KEYPAD_HELP}")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stop = threading.Event()

    def watch() -> None:
        shown: dict[int, tuple[str, str]] = {}
        while not stop.wait(0.2):
            for address, state in list(board.shown.items()):
                now = (state.ticket, state.text)
                if shown.get(address) != now:
                    shown[address] = now
                    extra = f" ({state.text})" if state.text else ""
                    print(f"[LED quầy {address}] {state.ticket or '—'}{extra}", flush=True)

    def read_keys() -> None:
        for line in sys.stdin:
            problem = press_keys(keypad, line, numbers)
            if problem:
                print(problem, flush=True)

    threading.Thread(target=watch, name="demo-led-watch", daemon=True).start()
    if sys.stdin is not None and not sys.stdin.closed:
        threading.Thread(target=read_keys, name="demo-keypad-stdin", daemon=True).start()
    agent.start()
    return DemoDisplays(board, keypad, agent, stop)
