"""The nginx configuration in front of several `motcua serve` processes (`motcua deploy nginx`).

What it does and why:

- **Balances** the server processes (one `upstream` with every port). A process that does
  not answer is skipped for `fail_timeout` seconds (`max_fails=1`), and the request goes to
  the next one (`proxy_next_upstream error timeout`, nginx's default, kept explicit).
- **Retries a kiosk's ticket on the next process, and only that POST.** nginx never resends
  a POST once it reached a process that then died (it cannot know whether the process acted
  on it). The server guarantees idempotency for exactly one POST: `POST /api/v1/tickets`
  carrying an `Idempotency-Key` (the same key returns the same ticket, never a second one,
  across processes: a unique index in the database). Only those requests are routed to an
  internal location with `proxy_next_upstream ... non_idempotent`; a clerk's "call next" or
  any POST without a key is never replayed (a replay could call a second citizen).
- **Keeps the event stream live:** `/api/v1/events` unbuffered (`proxy_buffering off`,
  also no cache, no gzip), HTTP/1.1 to the process, and read/send timeouts of an hour (the
  server sends a keep-alive comment every 15 s, so an idle hall never looks dead).
- **Passes the client address** as `X-Forwarded-For: $remote_addr`, overwriting whatever
  the client sent (never appending: a citizen's phone cannot pose as another address). The
  server believes it only from the addresses in its `trusted_proxies` setting (127.0.0.1 when
  nginx runs on the same machine).
- **Gives every request an id** (`X-Request-ID: $request_id`), written in nginx's access log
  and used by the server in its own log line and in its problem answers.
- **Serves the static files** (CSS, JS, fonts) from the installed package directly.

`state_dir` puts the pid file, logs and temporary files in one directory (tests, or nginx run
by an unprivileged user); without it they go where Debian's nginx keeps them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
STATIC_DIR = _PACKAGE / "web" / "static"  # what the server itself serves at /static/ (api/pages.py)
FONTS_DIR = _PACKAGE.parent / "assets" / "fonts"  # ... and at /static/fonts/

EVENTS_PATH = "/api/v1/events"
TICKETS_PATH = "/api/v1/tickets"
STREAM_TIMEOUT = "1h"


class NginxConfigError(ValueError):
    """A value the configuration cannot be written with (message in Vietnamese / English)."""


@dataclass(frozen=True)
class NginxSettings:
    ports: Sequence[int]
    upstream_host: str = "127.0.0.1"
    listen: str = "80"
    server_name: str = "_"
    static_dir: Path = STATIC_DIR
    fonts_dir: Path = FONTS_DIR
    state_dir: Path | None = None
    fail_timeout_s: int = 5


def parse_ports(text: str) -> list[int]:
    """'8001,8002' or '8001-8004' -> [8001, 8002, ...]; a clear error for anything else."""
    ports: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                ports.extend(range(first, last + 1))
            else:
                ports.append(int(part))
        except ValueError:
            raise NginxConfigError(f"Cổng “{part}” không hợp lệ (ví dụ: 8001,8002 hoặc 8001-8004) / "
                                   f"invalid port {part!r} (e.g. 8001,8002 or 8001-8004)") from None
    bad = [p for p in ports if not 1 <= p <= 65535]
    if not ports or bad:
        raise NginxConfigError(f"Cần ít nhất một cổng từ 1 đến 65535, nhận: {text!r} / "
                               f"need at least one port from 1 to 65535, got {text!r}")
    if len(set(ports)) != len(ports):
        raise NginxConfigError(f"Cổng bị lặp: {text!r} / a port is repeated: {text!r}")
    return ports


def render(s: NginxSettings) -> str:
    """The whole nginx.conf (main, events and http contexts): `nginx -c FILE` runs it."""
    if not s.ports:
        raise NginxConfigError("Cần ít nhất một cổng máy chủ / need at least one server port")
    state = s.state_dir
    pid = f"{state}/nginx.pid" if state else "/run/nginx.pid"
    error_log = f"{state}/error.log" if state else "/var/log/nginx/motcua-error.log"
    access_log = f"{state}/access.log" if state else "/var/log/nginx/motcua-access.log"
    upstream = "\n".join(f"        server {s.upstream_host}:{port} max_fails=1 fail_timeout={s.fail_timeout_s}s;"
                         for port in s.ports)
    temp = ""
    if state:
        temp = "".join(f"    {name}_temp_path {state}/tmp/{name};\n"
                       for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "" if state else "user www-data;\n"
    static = str(s.static_dir).rstrip("/") + "/"
    fonts = str(s.fonts_dir).rstrip("/") + "/"
    return f"""# Motcua: nginx in front of {len(s.ports)} server process(es). Written by `motcua deploy nginx`;
# regenerate rather than edit (see docs/deployment.md).
{user}worker_processes auto;
pid {pid};
error_log {error_log} warn;

events {{
    worker_connections 4096;  # every hall screen holds one open event stream
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
{temp}
    log_format motcua '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                      'rt=$request_time upstream=$upstream_addr ut=$upstream_response_time '
                      'request_id=$request_id';
    access_log {access_log} motcua;

    gzip on;
    gzip_types text/css application/javascript application/json application/problem+json image/svg+xml;
    # (text/event-stream is not listed: the live stream is never compressed)

    upstream motcua {{
{upstream}
        keepalive 32;
    }}

    server {{
        listen {s.listen};
        server_name {s.server_name};
        client_max_body_size 10m;

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;  # overwrite, never append
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;
        proxy_connect_timeout 2s;
        proxy_read_timeout 30s;
        proxy_next_upstream error timeout;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 10s;

        location / {{
            proxy_pass http://motcua;
        }}

        # The live event stream of every screen: unbuffered, uncompressed, long-lived.
        location = {EVENTS_PATH} {{
            proxy_pass http://motcua;
            proxy_buffering off;
            proxy_cache off;
            gzip off;
            proxy_read_timeout {STREAM_TIMEOUT};
            proxy_send_timeout {STREAM_TIMEOUT};
        }}

        # A kiosk's ticket carries an Idempotency-Key: the server returns the same ticket for
        # the same key, so this one POST may be resent to the next process when one dies.
        location = {TICKETS_PATH} {{
            if ($http_idempotency_key) {{
                rewrite ^ /_motcua_keyed_ticket last;
            }}
            proxy_pass http://motcua;
        }}
        location = /_motcua_keyed_ticket {{
            internal;
            rewrite ^ {TICKETS_PATH} break;
            proxy_pass http://motcua;
            proxy_next_upstream error timeout non_idempotent;
        }}

        location /static/fonts/ {{
            alias {fonts};
            add_header Cache-Control "public, max-age=604800";
            add_header X-Content-Type-Options nosniff;
        }}
        location /static/ {{
            alias {static};
            add_header Cache-Control no-cache;
            add_header X-Content-Type-Options nosniff;
        }}
    }}
}}
"""
