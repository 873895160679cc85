"""Real nginx (Debian's package) as an ordinary child process, configured by `motcua deploy
nginx` with its pid, logs and temporary files in a directory of the test's own, listening on a
free port chosen now (never 80)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CI, ROOT, free_port

NGINX = os.environ.get("MOTCUA_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


def require_nginx() -> str:
    if not Path(NGINX).exists():
        message = f"nginx not found at {NGINX} (apt-get install nginx; `make system-deps` does it)"
        if CI:
            pytest.fail(message + "; CI=true makes the proxy tests mandatory")
        pytest.skip(message)
    return NGINX


def motcua(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`motcua ARGS` as a user types it (the module entry point of this checkout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MOTCUA_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "queue_server.cli", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"motcua {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


class NginxProcess:
    def __init__(self, state_dir: Path, ports: list[int], port: int | None = None) -> None:
        self.state_dir = state_dir
        self.ports = ports
        self.port = port or free_port()
        self.conf = state_dir / "nginx.conf"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        motcua("deploy", "nginx", "--out", str(self.conf), "--ports", ",".join(map(str, self.ports)),
               "--listen", f"127.0.0.1:{self.port}", "--state-dir", str(self.state_dir))
        return self.conf

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run([require_nginx(), "-t", "-c", str(self.conf), "-p", str(self.state_dir)],
                              capture_output=True, text=True, check=False)

    def start(self, timeout: float = 10) -> NginxProcess:
        nginx = require_nginx()
        if not self.conf.exists():
            self.write_config()
        self.proc = subprocess.Popen([nginx, "-c", str(self.conf), "-p", str(self.state_dir), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode(errors='replace')}\n"
                                   f"{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen on {self.port}:\n{self.error_log()}")

    def error_log(self) -> str:
        path = self.state_dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_log(self) -> str:
        path = self.state_dir / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # nginx's fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


# Hand edits to the event stream's location. Compressing it alone does no harm (nginx flushes
# every write the server makes through gzip); buffering it as well, with the server's
# "X-Accel-Buffering: no" ignored, holds everything back, the answer's headers included.
STREAM_EDITS = {
    "compressed": lambda conf: conf.replace("gzip_types text/css", "gzip_types text/event-stream text/css")
                                   .replace("            gzip off;\n", ""),
    "buffered": lambda conf: conf.replace("proxy_buffering off;", "proxy_buffering on;\n"
                                          "            proxy_ignore_headers X-Accel-Buffering;"),
}


def edit_the_stream(proxy: NginxProcess, *edits: str) -> None:
    conf = proxy.write_config()
    text = conf.read_text()
    for edit in edits:
        edited = STREAM_EDITS[edit](text)
        assert edited != text, f"the configuration no longer has what the {edit!r} edit rewrites"
        text = edited
    conf.write_text(text)
