"""`motcua kiosk`: run the touchscreen kiosk, or walk its screens headless (`--tour DIR`).

    motcua kiosk --server http://10.0.0.2:8000 --token-file /etc/motcua/kiosk.token \\
                 --printer tcp://10.0.0.5:9100 --orientation portrait
    motcua kiosk --tour artifacts/kiosk --orientation landscape
    motcua kiosk-pair --config /etc/motcua/kiosk.toml          # scan the QR /admin shows
    motcua kiosk-pair --config /etc/motcua/kiosk.toml --image qr.png

Settings also come from the `[kiosk]` table of the TOML file and MOTCUA_KIOSK_* variables
(see kiosk/config.py). Importing this module does not import Kivy or the server.
"""

from __future__ import annotations

import argparse
import sys


def cmd_kiosk(args: argparse.Namespace) -> int:
    from kiosk.config import KioskConfigError, load_config

    try:
        config = load_config(args.config, server_url=args.server, device_token=args.token,
                             device_token_file=args.token_file, site=args.site, printer_url=args.printer,
                             printer_profile=args.profile, printer_width_mm=args.width, orientation=args.orientation,
                             language=args.language, idle_timeout_s=args.idle, cache_dir=args.cache_dir,
                             fullscreen=True if args.fullscreen else None)
        config.token()
    except KioskConfigError as exc:
        print(f"motcua kiosk: {exc}", file=sys.stderr)
        return 2
    if args.tour:
        from kiosk.tour import run_tour

        shots = run_tour(config, args.tour, dossier_url=args.tour_dossier or "")
        for path in shots:
            print(path)
        print(f"{len(shots)} ảnh / screenshots ({config.orientation}) -> {args.tour}")
        return 0
    from kiosk.app import create_app

    create_app(config, headless=args.headless).run()
    return 0


def cmd_kiosk_pair(args: argparse.Namespace) -> int:
    """Pair this kiosk from the QR code of /admin (Thiết bị → Thêm ki-ốt): a scanner types it
    here, or it is read from an image; then write the kiosk's configuration."""
    from kiosk.config import KioskConfigError, load_config
    from kiosk.pairing import PairingError, parse_pairing, read_qr_image, write_pairing

    try:
        if args.image:
            text = read_qr_image(args.image)
        else:
            if sys.stdin.isatty():
                print("Quét mã QR ghép nối ở trang /admin (Thiết bị) bằng máy quét, rồi Enter.\n"
                      "Scan the pairing QR code of /admin (Devices) with the scanner, then Enter.")
            text = sys.stdin.readline()
        pairing = parse_pairing(text)
        config, token = write_pairing(pairing, args.config, args.token_file)
        loaded = load_config(str(config))
        loaded.token()
    except (PairingError, KioskConfigError) as exc:
        print(f"motcua kiosk-pair: {exc}", file=sys.stderr)
        return 2
    site = loaded.site or "(của thiết bị / the device's own)"
    print(f"Đã ghép nối ki-ốt / kiosk paired: máy chủ / server {loaded.server_url}, điểm / site {site}")
    print(f"Cấu hình / configuration: {config}; mã thiết bị / device token: {token} (chỉ chủ tệp đọc được / owner only)")
    print(f"Chạy / run: motcua kiosk --config {config}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    pair = subparsers.add_parser("kiosk-pair", help="pair this kiosk from the QR code /admin shows (scanner or image)")
    pair.add_argument("--config", default="kiosk.toml", help="the kiosk's configuration file to write (default kiosk.toml)")
    pair.add_argument("--token-file", help="where the device token is written (default: kiosk.token next to --config)")
    pair.add_argument("--image", help="read the QR code from this image file instead of a scanner")
    pair.set_defaults(func=cmd_kiosk_pair)

    p = subparsers.add_parser("kiosk", help="run the touchscreen kiosk (or --tour DIR for screenshots)")
    p.add_argument("--config", help="TOML file with a [kiosk] table (default: $MOTCUA_KIOSK_CONFIG or $MOTCUA_CONFIG)")
    p.add_argument("--server", help="queue server URL (default http://127.0.0.1:8000)")
    p.add_argument("--token", help="the kiosk's device token (motcua device add --kind kiosk)")
    p.add_argument("--token-file", help="file with the token (or the demo's demo-devices.json)")
    p.add_argument("--site", help="site code (default: the device's site)")
    p.add_argument("--printer", help="slip printer URL: tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyUSB0, sim://")
    p.add_argument("--profile", help="printer profile (python-escpos model, e.g. TM-T20II)")
    p.add_argument("--width", type=int, choices=[58, 80], help="paper width in mm (default 80)")
    p.add_argument("--orientation", choices=["portrait", "landscape"], help="1080x1920 or 1920x1080")
    p.add_argument("--language", choices=["vi", "en"], help="starting language (default vi)")
    p.add_argument("--idle", type=int, help="seconds without a touch before returning home (default 45)")
    p.add_argument("--cache-dir", help="where the catalogue is cached (default ~/.cache/motcua-kiosk)")
    p.add_argument("--fullscreen", action="store_true", help="take the whole screen")
    p.add_argument("--headless", action="store_true", help="no window (SDL offscreen driver)")
    p.add_argument("--tour", metavar="DIR", help="walk every screen headless and save one PNG per screen in DIR")
    p.add_argument("--tour-dossier", metavar="URL",
                   help="with --tour: a receipt's lookup URL (its QR) to show a real dossier's progress")
    p.set_defaults(func=cmd_kiosk)
