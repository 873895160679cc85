"""A virtual ESC/POS receipt printer on a TCP port (127.0.0.1) and/or a pseudo-terminal.

    printer = VirtualPrinter("127.0.0.1", 0, profile="TM-T20II", width_mm=80).start()
    printer.url                     # "tcp://127.0.0.1:40123" (use with open_printer)
    printer.set_state("paper-out")  # "ok", "near-end", "paper-out", "cover-open", "offline"
    printer.jobs                    # [Job(data=b"...")], one per cut / closed connection
    printer.render_png(printer.jobs[0], "slip.png")
    printer.stop()

With `pty=True` it also listens on a pseudo-terminal (`printer.pty_path`, e.g.
/dev/pts/5): the printer URL is then `serial:///dev/pts/5`.

Behaviour, like a real printer:

* DLE EOT 1/2/3/4 are answered at once from the current state (in every state but
  "offline"), even in the middle of a job.
* "paper-out" and "cover-open": print data is held, not printed; when the state
  returns to "ok" or "near-end" the held data prints (becomes jobs).
* "offline": the printer stops reading and answering: writes to it stall once the
  small input buffer (4 KB) is full; status queries get no answer.
* A job ends at a cut (GS V), when the connection closes, or after 0.5 s without data.

Other processes use it through its TCP port (or pty path); `motcua printer sim`
runs one standalone. In-process, `virtual_printer(name)` gives the printer that
`sim://name` URLs talk to.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from hardware.printer.status import reply_bytes
from hardware.sim.escpos import RenderedJob, Token, Tokenizer, render_job

STATES = ("ok", "near-end", "paper-out", "cover-open", "offline")
JOB_IDLE_SECONDS = 0.5
INPUT_BUFFER = 4096


@dataclass
class Job:
    """One printed job: its bytes (status queries removed) and when it completed."""

    data: bytes
    completed_at: float
    source: str
    number: int = 0

    def render(self, width_dots: int = 576, code_pages: dict[int, str] | None = None) -> RenderedJob:
        return render_job(self.data, width_dots, code_pages)


@dataclass
class _Stream:
    source: str
    tokenizer: Tokenizer = field(default_factory=Tokenizer)
    job: bytearray = field(default_factory=bytearray)
    held: list[Token] = field(default_factory=list)
    last_data: float = field(default_factory=time.monotonic)


class VirtualPrinter:
    """A simulated printer; thread-based, safe to use from tests and from `motcua demo`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        profile: str | None = "TM-T20II",
        width_mm: int = 80,
        pty: bool = False,
        tcp: bool = True,
        state: str = "ok",
        jobs_dir: str | Path | None = None,
        name: str = "default",
    ) -> None:
        self.host, self.port = host, port
        self.profile, self.width_mm = profile, width_mm
        self.name = name
        self.use_pty, self.use_tcp = pty, tcp
        self.jobs_dir = Path(jobs_dir) if jobs_dir else None
        self._state = "ok"
        self.set_state(state)
        self._jobs: list[Job] = []
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._master: int | None = None
        self._slave: int | None = None
        self.pty_path: str | None = None
        self.status_queries = 0

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> VirtualPrinter:
        if self.use_tcp:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, INPUT_BUFFER)  # a printer's small buffer
            server.bind((self.host, self.port))
            server.listen(8)
            server.settimeout(0.1)
            self.port = server.getsockname()[1]
            self._server = server
            self._spawn(self._accept_loop, "accept")
        if self.use_pty:
            master, slave = os.openpty()
            tty.setraw(slave)
            self._master, self._slave = master, slave
            self.pty_path = os.ttyname(slave)
            self._spawn(self._pty_loop, "pty")
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=2)
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            try:
                conn.close()
            except OSError:
                pass
        for fd in (self._master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = None

    def __enter__(self) -> VirtualPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """A printer URL for open_printer: TCP when listening on TCP, else the pty."""
        if self._server is not None:
            return f"tcp://{self.host}:{self.port}"
        return f"serial://{self.pty_path}"

    # --- state and jobs --------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        """Switch to "ok", "near-end", "paper-out", "cover-open" or "offline"."""
        if state not in STATES:
            raise ValueError(f"unknown printer state {state!r}; one of {', '.join(STATES)}")
        self._state = state
        if hasattr(self, "_lock"):
            with self._lock:
                self._lock.notify_all()

    @property
    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def wait_for_jobs(self, count: int = 1, timeout: float = 5.0) -> list[Job]:
        """Block until at least `count` jobs completed (or the timeout passed); returns the jobs."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._jobs) < count and time.monotonic() < deadline:
                self._lock.wait(timeout=0.05)
            return list(self._jobs)

    def code_pages(self) -> dict[int, str]:
        from hardware.printer.profiles import code_page_table

        return code_page_table(self.profile)

    def width_dots(self) -> int:
        from hardware.printer.profiles import resolve_profile

        return resolve_profile(self.profile, self.width_mm).width_dots

    def render(self, job: Job) -> RenderedJob:
        return job.render(self.width_dots(), self.code_pages())

    def render_png(self, job: Job, path: str | Path) -> Path:
        """Draw a job as the paper would look; returns the PNG path."""
        return self.render(job).save_png(path)

    # --- the byte stream -------------------------------------------------------------------

    @property
    def _printable(self) -> bool:
        return self._state in ("ok", "near-end")

    def _replies(self) -> dict[int, int]:
        state = self._state
        return reply_bytes(
            paper_out=state == "paper-out", near_end=state == "near-end", cover_open=state == "cover-open"
        )

    def _handle(self, stream: _Stream, data: bytes, reply) -> None:
        stream.last_data = time.monotonic()
        for token in stream.tokenizer.feed(data):
            if token.name == "DLE EOT":
                self.status_queries += 1
                answer = self._replies().get(token.params[0])
                if answer is not None:
                    reply(bytes([answer]))
                continue
            if token.name in ("DLE ENQ", "DLE DC4"):
                continue
            if not self._printable:
                stream.held.append(token)
                continue
            self._print_token(stream, token)

    def _print_token(self, stream: _Stream, token: Token) -> None:
        stream.job += token.raw
        if token.name == "GS V":
            self._finish(stream)

    def _release_held(self, stream: _Stream) -> None:
        if self._printable and stream.held:
            held, stream.held = stream.held, []
            for token in held:
                self._print_token(stream, token)

    def _finish(self, stream: _Stream) -> None:
        data = bytes(stream.job)
        stream.job.clear()
        if not data.strip(b"\x1b@"):
            return
        with self._lock:
            job = Job(data, time.time(), stream.source, number=len(self._jobs) + 1)
            self._jobs.append(job)
            self._lock.notify_all()
        if self.jobs_dir is not None:
            self.jobs_dir.mkdir(parents=True, exist_ok=True)
            stem = self.jobs_dir / f"job-{job.number:04d}"
            stem.with_suffix(".bin").write_bytes(job.data)
            try:
                self.render_png(job, stem.with_suffix(".png"))
            except Exception:  # a job we cannot draw is still recorded
                pass

    def _tick(self, stream: _Stream) -> None:
        self._release_held(stream)
        if stream.job and self._printable and time.monotonic() - stream.last_data > JOB_IDLE_SECONDS:
            self._finish(stream)

    # --- threads ---------------------------------------------------------------------------

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=f"virtual-printer-{self.name}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, address = self._server.accept()
            except (TimeoutError, OSError):
                continue
            self._conns.add(conn)
            self._spawn(self._conn_loop, f"conn-{address[1]}", conn, f"tcp:{address[0]}:{address[1]}")

    def _conn_loop(self, conn: socket.socket, source: str) -> None:
        stream = _Stream(source)
        conn.settimeout(0.05)

        def reply(data: bytes) -> None:
            try:
                conn.sendall(data)
            except OSError:
                pass

        try:
            while not self._stop.is_set():
                if self._state == "offline":
                    time.sleep(0.02)  # not reading: the sender stalls when our buffer is full
                    continue
                try:
                    data = conn.recv(1024)
                except TimeoutError:
                    self._tick(stream)
                    continue
                except OSError:
                    break
                if not data:
                    break
                self._handle(stream, data, reply)
        finally:
            self._release_held(stream)
            if stream.job and self._printable:
                self._finish(stream)
            self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _pty_loop(self) -> None:
        assert self._master is not None
        master = self._master
        stream = _Stream(f"pty:{self.pty_path}")

        def reply(data: bytes) -> None:
            try:
                os.write(master, data)
            except OSError:
                pass

        while not self._stop.is_set():
            if self._state == "offline":
                time.sleep(0.02)
                continue
            try:
                readable, _, _ = select.select([master], [], [], 0.05)
            except (OSError, ValueError):
                break
            if not readable:
                self._tick(stream)
                continue
            try:
                data = os.read(master, 1024)
            except OSError:  # EIO: no process has the other end open right now
                time.sleep(0.02)
                continue
            self._handle(stream, data, reply)


_REGISTRY: dict[str, VirtualPrinter] = {}
_REGISTRY_LOCK = threading.Lock()


def virtual_printer(name: str = "default", state: str | None = None, **options: object) -> VirtualPrinter:
    """The in-process virtual printer `name` (started on first use); what `sim://name` talks to."""
    with _REGISTRY_LOCK:
        printer = _REGISTRY.get(name)
        if printer is None:
            printer = VirtualPrinter(name=name, **options).start()  # type: ignore[arg-type]
            _REGISTRY[name] = printer
    if state:
        printer.set_state(state)
    return printer


def stop_virtual_printers() -> None:
    """Stop every in-process virtual printer started through `virtual_printer`."""
    with _REGISTRY_LOCK:
        printers = list(_REGISTRY.values())
        _REGISTRY.clear()
    for printer in printers:
        printer.stop()
