"""`motcua deploy systemd | nginx` (files for putting a hall into service) and `motcua doctor`.

    motcua deploy systemd --out /tmp/units --data /var/lib/motcua --ports 8001,8002 --verify
    motcua deploy nginx --out /tmp/motcua-nginx.conf --ports 8001,8002 --listen 80
    motcua doctor --data /var/lib/motcua [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from queue_server.cli import CommandError
from queue_server.cli.server import _common, settings_from
from queue_server.config import Settings


class OutputError(CommandError):
    """Where the files should go cannot take them (message Vietnamese / English)."""


def _ports(args: argparse.Namespace, settings: Settings) -> list[int]:
    from queue_server.deploy.nginx import NginxConfigError, parse_ports

    try:
        return parse_ports(args.ports) if args.ports is not None else [settings.port]
    except NginxConfigError as exc:
        raise OutputError(str(exc)) from None


def _write_all(files: dict[Path, str], modes: dict[Path, int] | None = None) -> None:
    """Write every file or none: each goes to a temporary name first, then all are renamed."""
    modes = modes or {}
    for path in files:
        parent = path.parent
        if not parent.is_dir():
            raise OutputError(f"Thư mục “{parent}” không tồn tại; hãy tạo trước (mkdir -p {parent}). "
                              f"/ Directory {parent} does not exist; create it first (mkdir -p {parent}).")
        if not os.access(parent, os.W_OK):
            raise OutputError(f"Không ghi được vào thư mục “{parent}” (không có quyền). "
                              f"/ Cannot write into {parent} (permission denied).")
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, modes.get(path, 0o644))
            staged.append((tmp, path))
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _sites(settings: Settings) -> list:  # noqa: ANN401
    """The hall's sites from its database (one hall screen each); none when not set up yet."""
    from queue_server.deploy.systemd import SiteScreens

    if not settings.database_url and not Path(settings.effective_database_url.removeprefix("sqlite:///")).exists():
        return []
    from queue_server.services import admin
    from queue_server.services.context import Context

    ctx = Context.create(settings)
    try:
        return [SiteScreens(code=s["code"]) for s in admin.list_sites(ctx)]
    except Exception as exc:  # noqa: BLE001 - the units do not need the sites; say so and go on
        print(f"motcua: chưa đọc được danh sách điểm phục vụ ({type(exc).__name__}); viết một màn hình sảnh chung"
              f" / could not read the sites; writing one generic hall display", file=sys.stderr)
        return []
    finally:
        ctx.db.dispose()


def cmd_systemd(args: argparse.Namespace) -> int:
    from queue_server.deploy import systemd

    settings = settings_from(args)
    ports = _ports(args, settings)
    trusted = args.trusted_proxies if args.trusted_proxies is not None else (
        settings.trusted_proxies or ("127.0.0.1" if len(ports) > 1 else ""))
    host = args.host or ("127.0.0.1" if len(ports) > 1 else settings.host)
    public_url = settings.public_url or (f"http://{host}:{ports[0]}" if len(ports) == 1 else "http://127.0.0.1")
    unit_settings = systemd.UnitSettings(
        motcua=systemd.find_motcua(), data_dir=Path(settings.data_dir).resolve(), ports=ports, host=host,
        public_url=public_url.rstrip("/"), database_url=settings.database_url, trusted_proxies=trusted,
        config_file=Path(args.config).resolve() if args.config else None, user=args.user,
        chromium=Path(args.chromium), sites=_sites(settings))
    out = Path(args.out)
    rendered = systemd.render(unit_settings)
    if any("/" in name for name in rendered) and out.is_dir():
        (out / "user").mkdir(exist_ok=True)
    files = {out / name: text for name, text in rendered.items()}
    _write_all(files, {out / "motcua.env": 0o640})
    for name in sorted(rendered):
        print(out / name)
    if args.verify:
        return verify_units(out, sorted(n for n in rendered if n.endswith(".service")), ports)
    return 0


def verify_units(out: Path, names: list[str], ports: list[int]) -> int:
    """`systemd-analyze verify` on every unit (template units through one instance)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        print("Bỏ qua kiểm tra: máy này không có systemd-analyze / verification skipped: "
              "systemd-analyze is not installed here", file=sys.stderr)
        return 0
    paths = []
    for name in names:
        instance = name.replace("@.service", f"@{ports[0]}.service")
        paths.append(str(out / instance))
    result = subprocess.run([tool, "verify", *paths], capture_output=True, text=True, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    if result.returncode != 0 or problems:
        print("systemd-analyze verify không chấp nhận / did not accept the units:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"systemd-analyze verify: {len(paths)} unit(s) OK")
    return 0


def cmd_nginx(args: argparse.Namespace) -> int:
    from queue_server.deploy import nginx

    settings = settings_from(args)
    ports = _ports(args, settings)
    state_dir = Path(args.state_dir).resolve() if args.state_dir else None
    text = nginx.render(nginx.NginxSettings(ports=ports, upstream_host=args.upstream_host, listen=args.listen,
                                            server_name=args.server_name, state_dir=state_dir))
    out = Path(args.out)
    _write_all({out: text})
    if state_dir is not None:
        (state_dir / "tmp").mkdir(parents=True, exist_ok=True)
    print(out)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from queue_server.deploy import doctor

    settings, config_error = None, None
    try:
        settings = settings_from(args)
    except Exception as exc:  # noqa: BLE001 - a wrong configuration is the first finding
        config_error = exc
    report = doctor.examine(settings, config_error=config_error, backup_dir=args.backups,
                            timeout=args.timeout, printers=args.printer, serial_devices=args.serial)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(report.as_text())
    return 1 if report.errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    deploy = subparsers.add_parser("deploy", help="write systemd units or the nginx configuration for a hall")
    sub = deploy.add_subparsers(dest="deploy_cmd", required=True)

    p = sub.add_parser("systemd", help="write the systemd units (server, agent, kiosk, displays) into DIR")
    _common(p)
    p.add_argument("--out", required=True, metavar="DIR", help="an existing directory for the unit files")
    p.add_argument("--ports", help="server ports, e.g. 8001,8002 or 8001-8004 (default: the configured port)")
    p.add_argument("--host", help="address the servers listen on (default 127.0.0.1 behind a proxy)")
    p.add_argument("--trusted-proxies", help="proxy addresses the servers believe (default 127.0.0.1 "
                   "with several ports)")
    p.add_argument("--user", default="motcua", help="the dedicated system user (default motcua)")
    p.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium for the hall displays")
    p.add_argument("--verify", action="store_true", help="check the units with systemd-analyze verify")
    p.set_defaults(func=cmd_systemd)

    p = sub.add_parser("nginx", help="write an nginx configuration balancing the server processes")
    _common(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the configuration file to write")
    p.add_argument("--ports", help="server ports, e.g. 8001,8002 or 8001-8004 (default: the configured port)")
    p.add_argument("--upstream-host", default="127.0.0.1", help="where the server processes listen")
    p.add_argument("--listen", default="80", help="nginx's listen address, e.g. 80 or 10.0.0.2:80")
    p.add_argument("--server-name", default="_", help="nginx server_name (default: any)")
    p.add_argument("--state-dir", help="put nginx's pid, logs and temporary files here (default: Debian's)")
    p.set_defaults(func=cmd_nginx)

    p = subparsers.add_parser("doctor", help="check a hall's setup and say what to fix")
    _common(p)
    p.add_argument("--json", action="store_true", help="machine-readable findings (for monitoring)")
    p.add_argument("--backups", help="the backup directory (default: DATA/backups)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for each network check")
    p.add_argument("--printer", action="append", default=[], metavar="URL",
                   help="a slip printer to check, e.g. tcp://10.0.0.5:9100 (repeatable; the [kiosk] printer too)")
    p.add_argument("--serial", action="append", default=[], metavar="URL",
                   help="a serial device to check (LED board line, keypads), e.g. serial:///dev/ttyUSB0")
    p.set_defaults(func=cmd_doctor)
