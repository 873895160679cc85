"""A hall's SMS gateway as the tests see it: a real HTTP server on 127.0.0.1 that records
each POST (headers, body, what it answered)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from queue_server.domain import notifications as rules


@dataclass
class Gateway:
    """A local SMS gateway: records what it receives; `status` is what it answers, `up` False
    closes its port (connection refused)."""

    port: int
    status: int = 200
    received: list[dict] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def start(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append({"headers": dict(self.headers), "body": body, "status": gateway.status})
                self.send_response(gateway.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def delivered_ids(self) -> list[str]:
        return [r["headers"][rules.MESSAGE_ID_HEADER] for r in self.received if 200 <= r["status"] < 300]
