"""`motcua remote poster`: the address (and a QR code image) of a site's entrance poster for
remote numbers, for one business day (today by default). The poster's key changes every
day, so print it each morning: a photo of an older poster checks nothing in
(docs/remote-numbers.md)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from queue_server.cli.server import _common, settings_from


def cmd_poster(args: argparse.Namespace) -> int:
    from queue_server.api.remote import poster_url
    from queue_server.domain.business_day import business_day
    from queue_server.services import admin
    from queue_server.services.auth import instance_secret
    from queue_server.services.context import Context
    from queue_server.store import migrate

    ctx = Context.create(settings_from(args))
    try:
        migrate.upgrade(ctx.db.engine)
        site = admin.resolve_site(ctx, args.site)
        day = date.fromisoformat(args.day) if args.day else business_day(ctx.clock.now(), site.timezone)
        poster = poster_url(ctx, instance_secret(ctx), site, day)
    finally:
        ctx.db.dispose()
    print(f"Áp phích xác nhận có mặt / check-in poster, {site.name}, {day:%d/%m/%Y}:")
    print(poster["url"])
    if args.qr:
        import qrcode

        qrcode.make(poster["url"]).save(Path(args.qr))
        print(f"Mã QR / QR code: {args.qr}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("remote", help="lấy số từ xa / numbers taken from a phone")
    sub = p.add_subparsers(dest="remote_command", required=True)
    q = sub.add_parser("poster", help="the entrance poster's address for a day (print one each day)")
    _common(q)
    q.add_argument("--site", default=None, help="site id or code (default: the only or first site)")
    q.add_argument("--day", default=None, help="YYYY-MM-DD (default: today at the site)")
    q.add_argument("--qr", default=None, help="also write the QR code as a PNG file here")
    q.set_defaults(func=cmd_poster)
