"""`motcua doctor`: checks a hall's setup and says, in Vietnamese then English, what is wrong
and how to fix it. Each check gives one finding: ok, warning (works, but look at it) or error
(something a citizen or clerk will notice); the command exits non-zero on any error.

Checks: the configuration; the database (reachable, migrated, a hall imported); the public
address (not loopback, reachable, and its event stream not buffered by a proxy); each site's
time zone and the machine's clock; printers and serial devices (LED boards, keypads); the voice
pack; disk space for data and backups; the last backup's age.
"""

from __future__ import annotations

import ipaddress
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from queue_server.config import Settings

OK, WARNING, ERROR = "ok", "warning", "error"
MIN_FREE_BYTES = 1 << 30  # 1 GiB: below it a warning
CRITICAL_FREE_BYTES = 200 << 20  # 200 MiB: below it an error (SQLite needs room to write)
BACKUP_MAX_AGE_H = 26  # a daily backup, with some slack
CLOCK_SKEW_S = 5.0


@dataclass
class Finding:
    check: str
    level: str
    message_vi: str
    message_en: str
    fix_vi: str = ""
    fix_en: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, check: str, level: str, vi: str, en: str, fix_vi: str = "", fix_en: str = "",
            **detail: Any) -> Finding:
        finding = Finding(check, level, vi, en, fix_vi, fix_en, detail)
        self.findings.append(finding)
        return finding

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    def as_json(self) -> dict[str, Any]:
        status = ERROR if self.errors else WARNING if self.warnings else OK
        return {"status": status, "errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [asdict(f) for f in self.findings]}

    def as_text(self) -> str:
        marks = {OK: "  ✓", WARNING: "  !", ERROR: "  ✗"}
        lines = []
        for f in self.findings:
            lines.append(f"{marks[f.level]} [{f.check}] {f.message_vi}")
            lines.append(f"      {f.message_en}")
            if f.fix_vi:
                lines.append(f"      → {f.fix_vi}")
                lines.append(f"      → {f.fix_en}")
        lines.append(f"Lỗi / errors: {len(self.errors)}, cảnh báo / warnings: {len(self.warnings)}")
        return "\n".join(lines)


def examine(settings: Settings | None, *, config_error: Exception | None = None, backup_dir: str | None = None,
            timeout: float = 3.0, printers: Iterable[str] = (), serial_devices: Iterable[str] = (),
            now: Callable[[], datetime] | None = None) -> Report:
    report = Report()
    if settings is None or config_error is not None:
        report.add("config", ERROR, f"Cấu hình không hợp lệ: {config_error}", f"The configuration is invalid: "
                   f"{config_error}", "Sửa tệp cấu hình hoặc biến môi trường MOTCUA_* được nêu rồi chạy lại.",
                   "Fix the file or MOTCUA_* variable named, then run doctor again.")
        return report
    _check_config(report, settings)
    sites = _check_database(report, settings)
    _check_public_url(report, settings, timeout)
    _check_time(report, settings, sites, now or (lambda: datetime.now(UTC)))
    kiosk = settings.extra.get("kiosk") if isinstance(settings.extra.get("kiosk"), dict) else {}
    _check_printers(report, [*printers, *([kiosk["printer"]] if kiosk.get("printer") else [])], timeout)
    _check_serial(report, list(serial_devices))
    _check_voice(report, settings)
    backups = Path(backup_dir) if backup_dir else settings.effective_backup_dir
    _check_disk(report, settings, backups)
    _check_backups(report, backups, now or (lambda: datetime.now(UTC)))
    return report


# -- configuration ----------------------------------------------------------------------

def _check_config(report: Report, settings: Settings) -> None:
    from queue_server.services.dossiers.setup import parse_dossier_settings

    problems = []
    try:
        parse_dossier_settings(settings.extra.get("dossiers"))
    except Exception as exc:  # noqa: BLE001 - its message names the key
        problems.append(str(exc))
    for item in (p.strip() for p in settings.trusted_proxies.split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            problems.append(f"trusted_proxies: “{item}” không phải địa chỉ IP hay CIDR / is not an IP address or CIDR")
    if settings.public_url and urlsplit(settings.public_url).scheme not in ("http", "https"):
        problems.append(f"public_url “{settings.public_url}” phải bắt đầu bằng http:// hoặc https:// / "
                        "must start with http:// or https://")
    if problems:
        report.add("config", ERROR, "Cấu hình có lỗi: " + "; ".join(problems),
                   "The configuration has errors: " + "; ".join(problems),
                   "Sửa các giá trị được nêu trong tệp cấu hình hoặc biến MOTCUA_*.",
                   "Fix the values named in the configuration file or MOTCUA_* variables.")
    else:
        report.add("config", OK, "Cấu hình hợp lệ.", "The configuration is valid.")


# -- database ---------------------------------------------------------------------------

def _check_database(report: Report, settings: Settings) -> list[dict[str, Any]]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from queue_server.store import migrate
    from queue_server.store.engine import Database

    url = settings.effective_database_url
    shown = url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            report.add("database", ERROR, f"Chưa có cơ sở dữ liệu tại {path}.", f"No database at {path}.",
                       f"Chạy: motcua init --data {settings.data_dir}",
                       f"Run: motcua init --data {settings.data_dir}")
            return []
    else:
        from sqlalchemy.engine import make_url

        shown = make_url(url).render_as_string(hide_password=True)
    db = Database(url)
    try:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                current = MigrationContext.configure(conn).get_current_revision()
                sites = [dict(r._mapping) for r in conn.execute(text("SELECT code, timezone FROM sites ORDER BY id"))] \
                    if current else []
        except Exception as exc:  # noqa: BLE001 - unreachable, refused, wrong password...
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            report.add("database", ERROR, f"Không kết nối được cơ sở dữ liệu {shown}: {first}",
                       f"Cannot reach the database {shown}: {first}",
                       "Kiểm tra PostgreSQL đang chạy, địa chỉ, tên người dùng và mật khẩu trong MOTCUA_DATABASE_URL.",
                       "Check that PostgreSQL runs and the host, user and password in MOTCUA_DATABASE_URL.")
            return []
    finally:
        db.dispose()
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    if current != head:
        report.add("migrations", ERROR, f"Cơ sở dữ liệu ở phiên bản {current or 'trống'}, mã nguồn cần {head}.",
                   f"The database is at version {current or 'empty'}; this code needs {head}.",
                   f"Chạy: motcua init --data {settings.data_dir} (hoặc khởi động lại máy chủ: nó tự nâng cấp).",
                   f"Run: motcua init --data {settings.data_dir} (or restart the server: it upgrades at start).",
                   current=current, head=head)
        return sites
    report.add("database", OK, f"Cơ sở dữ liệu {shown} kết nối được, đúng phiên bản {head}.",
               f"The database {shown} is reachable and at version {head}.", engine=db.engine.dialect.name)
    if not sites:
        report.add("hall", ERROR, "Chưa có điểm phục vụ nào (chưa nhập cấu hình sảnh).",
                   "No site is set up yet (the hall was not imported).",
                   f"Chạy: motcua config import hall.json --data {settings.data_dir}",
                   f"Run: motcua config import hall.json --data {settings.data_dir}")
    return sites


# -- the public address -----------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.endswith(".localhost")


def _check_public_url(report: Report, settings: Settings, timeout: float) -> None:
    import httpx

    url = settings.effective_public_url
    host = urlsplit(url).hostname or ""
    if _is_loopback(host):
        report.add("public_url", WARNING, f"Địa chỉ công khai {url} là địa chỉ nội bộ của máy này: điện thoại của "
                   "người dân và các máy khác trong sảnh không mở được mã QR trên phiếu.",
                   f"The public address {url} is this machine's loopback: citizens' phones and the hall's other "
                   "PCs cannot open the QR code on the slips.",
                   "Đặt public_url (hoặc MOTCUA_PUBLIC_URL) là địa chỉ mạng LAN, ví dụ http://10.0.0.2:8000.",
                   "Set public_url (or MOTCUA_PUBLIC_URL) to the LAN address, e.g. http://10.0.0.2:8000.", url=url)
    try:
        r = httpx.get(f"{url}/api/v1/health", timeout=timeout)
    except httpx.HTTPError as exc:
        report.add("public_url", WARNING, f"Không truy cập được {url} ({type(exc).__name__}): máy chủ chưa chạy, "
                   "hoặc tường lửa/proxy chặn.", f"{url} cannot be reached ({type(exc).__name__}): the server is "
                   "not running, or a firewall or proxy is in the way.",
                   "Khởi động máy chủ (systemctl start motcua-server@8000) rồi chạy lại doctor.",
                   "Start the server (systemctl start motcua-server@8000) and run doctor again.", url=url)
        return
    if r.status_code != 200 or "application/json" not in r.headers.get("content-type", ""):
        report.add("public_url", ERROR, f"{url}/api/v1/health trả lời HTTP {r.status_code}, không phải máy chủ "
                   "Motcua đang hoạt động.", f"{url}/api/v1/health answers HTTP {r.status_code}: not a working "
                   "Motcua server.", "Kiểm tra public_url và cấu hình proxy (motcua deploy nginx).",
                   "Check public_url and the proxy configuration (motcua deploy nginx).", status=r.status_code)
        return
    report.add("public_url", OK, f"{url} trả lời.", f"{url} answers.", url=url)
    _check_stream(report, url, timeout)


def _check_stream(report: Report, url: str, timeout: float) -> None:
    """The stream's first bytes come at once and its ": ready" half a second later, in a write
    of its own; a proxy that buffers holds back one or both (and every hall screen then says it
    gets no live updates). Compression alone is no fault: nginx flushes each write."""
    import httpx

    started = time.monotonic()
    data = b""
    try:
        # as a browser asks (compressed if the proxy wants): what a screen would read, decoded
        with httpx.stream("GET", url.rstrip("/") + "/api/v1/events", timeout=timeout,
                          headers={"Accept": "text/event-stream", "Accept-Encoding": "gzip, deflate"}) as r:
            for chunk in r.iter_bytes():
                data += chunk
                if b": ready" in data or time.monotonic() - started > timeout:
                    break
    except httpx.HTTPError:
        pass
    if b": ready" in data:
        report.add("event_stream", OK, "Luồng sự kiện đến ngay (không bị đệm).",
                   "The event stream arrives at once (not buffered).")
        return
    if b": connected" in data:
        held_vi = "chỉ những byte đầu tiên đến, phần sau bị proxy giữ lại trong bộ đệm (buffer)"
        held_en = "only its first bytes came through: a proxy holds the rest in a buffer"
    else:
        held_vi = "không có gì đến: proxy đang đệm (buffer) hoặc nén (gzip) luồng"
        held_en = "nothing readable came through: a proxy is buffering or compressing it"
    report.add("event_stream", ERROR, f"Luồng sự kiện {url}/api/v1/events trong {timeout:g} giây: {held_vi}; "
               "màn hình sảnh sẽ báo không nhận được tin trực tiếp.",
               f"The event stream {url}/api/v1/events within {timeout:g} s: {held_en}; the hall screens will "
               "say they get no live updates.",
               "Trong nginx, cho /api/v1/events: proxy_buffering off, gzip off, không để text/event-stream trong "
               "gzip_types, không bỏ qua X-Accel-Buffering (motcua deploy nginx viết sẵn như vậy).",
               "In nginx, for /api/v1/events: proxy_buffering off, gzip off, text/event-stream not in gzip_types, "
               "X-Accel-Buffering not ignored (motcua deploy nginx writes it so).",
               first_bytes=b": connected" in data)


# -- time -------------------------------------------------------------------------------

def _check_time(report: Report, settings: Settings, sites: list[dict[str, Any]],
                now: Callable[[], datetime]) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for site in sites:
        zone = site.get("timezone") or ""
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            report.add("timezone", ERROR, f"Điểm {site['code']}: múi giờ “{zone}” không tồn tại; số thứ tự và hạn "
                       "trả hồ sơ sẽ tính sai ngày.", f"Site {site['code']}: time zone {zone!r} does not exist; "
                       "the daily numbering and due dates would use the wrong day.",
                       "Sửa timezone của điểm trong hall.json (ví dụ Asia/Ho_Chi_Minh) rồi nhập lại.",
                       "Fix the site's timezone in hall.json (e.g. Asia/Ho_Chi_Minh) and import it again.")
        else:
            report.add("timezone", OK, f"Điểm {site['code']}: múi giờ {zone}.", f"Site {site['code']}: time zone "
                       f"{zone}.")
    current = now()
    if current.year < 2025:
        report.add("clock", ERROR, f"Đồng hồ máy đang là {current:%Y-%m-%d %H:%M} UTC: sai (pin CMOS hết?).",
                   f"The machine's clock says {current:%Y-%m-%d %H:%M} UTC, which is wrong (a flat CMOS battery?).",
                   "Bật đồng bộ giờ: timedatectl set-ntp true (hoặc cài chrony).",
                   "Turn on time sync: timedatectl set-ntp true (or install chrony).")
        return
    skew = _database_clock_skew(settings, current)
    if skew is not None and abs(skew) > CLOCK_SKEW_S:
        report.add("clock", WARNING, f"Đồng hồ máy lệch {skew:+.1f} giây so với máy chủ cơ sở dữ liệu.",
                   f"The machine's clock is {skew:+.1f} s off the database server's.",
                   "Bật đồng bộ giờ (NTP) trên cả hai máy: timedatectl set-ntp true.",
                   "Turn on time sync (NTP) on both machines: timedatectl set-ntp true.", skew_s=round(skew, 1))
        return
    report.add("clock", OK, f"Đồng hồ máy: {current:%Y-%m-%d %H:%M:%S} UTC.",
               f"The machine's clock: {current:%Y-%m-%d %H:%M:%S} UTC.")


def _database_clock_skew(settings: Settings, current: datetime) -> float | None:
    if not settings.database_url.startswith("postgresql"):
        return None
    from sqlalchemy import text

    from queue_server.store.engine import Database

    db = Database(settings.database_url)
    try:
        with db.engine.connect() as conn:
            theirs = conn.execute(text("SELECT now()")).scalar_one()
        return (current - theirs).total_seconds()
    except Exception:  # noqa: BLE001 - unreachable is the database check's finding
        return None
    finally:
        db.dispose()


# -- devices ----------------------------------------------------------------------------

def _check_printers(report: Report, urls: list[str], timeout: float) -> None:
    from hardware.printer import PrinterError, open_printer

    for url in urls:
        try:
            printer = open_printer(url, status_timeout=timeout)
            with printer:
                status = printer.status()
        except PrinterError as exc:
            report.add("printer", ERROR, f"Máy in {url}: {exc.message_vi}", f"Printer {url}: {exc.message_en}",
                       "Kiểm tra cáp, nguồn và địa chỉ máy in; thử: motcua printer status URL.",
                       "Check the printer's cable, power and address; try: motcua printer status URL.", url=url)
            continue
        level = OK if status.ready else (WARNING if status.state == "unknown" else ERROR)
        report.add("printer", level, f"Máy in {url}: {status.message_vi}", f"Printer {url}: {status.message_en}",
                   *(("Nạp giấy, đóng nắp hoặc bật máy in.", "Load paper, close the cover or switch the printer on.")
                     if level == ERROR else ()), url=url, state=status.state)


def _check_serial(report: Report, urls: list[str]) -> None:
    from hardware.serial_url import SerialDeviceError, open_port, parse_serial_url

    for url in urls:
        try:
            port = open_port(parse_serial_url(url))
            port.close()
        except (SerialDeviceError, OSError, ValueError) as exc:
            report.add("serial", ERROR, f"Thiết bị {url} không mở được: {exc}", f"Device {url} cannot be opened: {exc}",
                       "Kiểm tra cáp USB-RS485 và quyền (người dùng motcua thuộc nhóm dialout).",
                       "Check the USB-RS485 cable and permissions (user motcua in group dialout).", url=url)
        else:
            report.add("serial", OK, f"Thiết bị {url} mở được.", f"Device {url} opens.", url=url)


def _check_voice(report: Report, settings: Settings) -> None:
    from queue_server.services import announcements

    audio = announcements.AnnouncementAudio(voice_dir=settings.voice_dir or None, dialect=settings.dialect,
                                            default_dir=announcements.DEFAULT_VOICE_DIR)
    if settings.voice_dir and not Path(settings.voice_dir).is_dir():
        report.add("voice", ERROR, f"Thư mục giọng đọc {settings.voice_dir} không tồn tại.",
                   f"The voice folder {settings.voice_dir} does not exist.",
                   "Sửa voice_dir hoặc để trống để dùng bộ giọng mặc định.",
                   "Fix voice_dir, or leave it empty for the default voice pack.")
        return
    missing = audio.missing_clips("vi")
    if missing:
        shown = ", ".join(missing[:8]) + ("…" if len(missing) > 8 else "")
        report.add("voice", ERROR, f"Bộ giọng đọc tiếng Việt thiếu {len(missing)} đoạn: {shown}",
                   f"The Vietnamese voice pack lacks {len(missing)} clips: {shown}",
                   "Ghi âm bổ sung các đoạn thiếu vào voice_dir, hoặc cài lại gói (assets/voice).",
                   "Record the missing clips into voice_dir, or reinstall the package (assets/voice).",
                   missing=missing)
    else:
        report.add("voice", OK, "Bộ giọng đọc tiếng Việt đủ.", "The Vietnamese voice pack is complete.")


# -- disk and backups -------------------------------------------------------------------

def _check_disk(report: Report, settings: Settings, backups: Path) -> None:
    places = {"data": Path(settings.data_dir)}
    if backups.exists():
        places["backups"] = backups
    for name, path in places.items():
        target = path if path.exists() else path.parent
        try:
            free = shutil.disk_usage(target).free
        except OSError as exc:
            report.add("disk", ERROR, f"Không đọc được dung lượng {path}: {exc}", f"Cannot read free space of {path}: "
                       f"{exc}")
            continue
        gib = free / (1 << 30)
        if free < CRITICAL_FREE_BYTES:
            level = ERROR
        elif free < MIN_FREE_BYTES:
            level = WARNING
        else:
            report.add("disk", OK, f"Ổ chứa {path} còn {gib:.1f} GiB.", f"{path} has {gib:.1f} GiB free.",
                       place=name, free_bytes=free)
            continue
        report.add("disk", level, f"Ổ chứa {path} chỉ còn {gib:.2f} GiB.", f"Only {gib:.2f} GiB free for {path}.",
                   "Giải phóng dung lượng hoặc chuyển dữ liệu/bản sao lưu sang ổ lớn hơn.",
                   "Free some space, or move the data or backups to a larger disk.", place=name, free_bytes=free)


def _check_backups(report: Report, backups: Path, now: Callable[[], datetime]) -> None:
    files = [p for p in backups.rglob("*") if p.is_file()] if backups.is_dir() else []
    if not files:
        report.add("backup", WARNING, f"Chưa có bản sao lưu nào (trong {backups}).", f"No backup yet (in {backups}).",
                   "Sao lưu định kỳ cơ sở dữ liệu (xem docs/deployment.md, mục Sao lưu).",
                   "Back the database up regularly (see docs/deployment.md, Backups).", path=str(backups))
        return
    newest = max(p.stat().st_mtime for p in files)
    age_h = (now().timestamp() - newest) / 3600
    if age_h > BACKUP_MAX_AGE_H:
        report.add("backup", WARNING, f"Bản sao lưu mới nhất đã {age_h:.0f} giờ.",
                   f"The newest backup is {age_h:.0f} hours old.",
                   "Kiểm tra lịch sao lưu hằng ngày.", "Check the daily backup job.", age_hours=round(age_h, 1))
    else:
        report.add("backup", OK, f"Bản sao lưu mới nhất: {age_h:.1f} giờ trước.",
                   f"The newest backup is {age_h:.1f} hours old.", age_hours=round(age_h, 1))
