"""`motcua backup`, `motcua restore` and `motcua purge`: a consistent copy of a running hall,
putting one back into an empty data directory or database, and erasing personal data past
its retention period."""

from __future__ import annotations

import argparse
from pathlib import Path

from queue_server.cli.server import _common, settings_from


def cmd_backup(args: argparse.Namespace) -> int:
    from queue_server.services.backups import make_backup
    from queue_server.services.context import Context

    ctx = Context.create(settings_from(args))
    try:  # a refusal (BackupError) is said by the motcua command itself, exit 2
        info = make_backup(ctx, Path(args.out) if args.out else None)
    finally:
        ctx.db.dispose()
    print(f"Đã sao lưu / backed up: {info.summary()}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from queue_server.store.backup import BackupError, restore_backup

    settings = settings_from(args)
    if not settings.database_url:
        data = Path(settings.data_dir)
        if data.exists() and any(data.iterdir()):
            raise BackupError(f"thư mục {data} không trống; chỉ khôi phục vào thư mục mới",
                              f"{data} is not empty; restore only into a new data directory")
        data.mkdir(parents=True, exist_ok=True)
    info = restore_backup(Path(args.source), settings.effective_database_url)
    print(f"Đã khôi phục / restored: {info.summary()}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from queue_server.services.context import SYSTEM, Context
    from queue_server.services.retention import purge_all
    from queue_server.store import migrate

    ctx = Context.create(settings_from(args))
    try:
        migrate.upgrade(ctx.db.engine)
        report = purge_all(ctx, SYSTEM, dry_run=args.dry_run)
    finally:
        ctx.db.dispose()
    s = ctx.settings
    verb = ("Sẽ xoá / would erase" if args.dry_run else "Đã xoá / erased")
    print(f"{verb}: {sum(report.dossiers.values())} hồ sơ / dossiers (đóng quá {s.retention_dossier_days} ngày / "
          f"closed over {s.retention_dossier_days} days ago: số định danh, điện thoại, email, địa chỉ / "
          f"ID number, phone, email, addresses), {sum(report.comments.values())} góp ý / rating comments, "
          f"{sum(report.petitions.values())} liên hệ của phản ánh / petition contacts (họ tên, điện thoại / "
          f"name, phone) (quá / over {s.retention_feedback_days} ngày / days), "
          f"{sum(report.remote.values())} số lấy từ xa / remote numbers (mã băm số điện thoại / hashed phone, "
          f"sau ngày của số / after their day), "
          f"{sum(report.phones.values())} số điện thoại nhận tin / phone numbers for messages (quá / over "
          f"{s.retention_notification_days} ngày / days), "
          f"{sum(report.appointments.values())} lịch hẹn / bookings (họ tên, điện thoại / name, phone; "
          f"quá / over {s.retention_appointment_days} ngày sau giờ hẹn / days after the slot)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("backup", help="sao lưu / a consistent backup while the server runs")
    _common(p)
    p.add_argument("--out", help="backup file to write (default: a new file in the backup folder, "
                   "which keeps the newest backup_keep)")
    p.set_defaults(func=cmd_backup)
    p = subparsers.add_parser("restore", help="khôi phục / restore a backup into an empty data directory")
    _common(p)
    p.add_argument("--from", dest="source", required=True, help="the backup file")
    p.set_defaults(func=cmd_restore)
    p = subparsers.add_parser("purge", help="xoá dữ liệu cá nhân quá hạn / erase personal data past retention")
    _common(p)
    p.add_argument("--dry-run", action="store_true", help="only count what would be erased")
    p.set_defaults(func=cmd_purge)
