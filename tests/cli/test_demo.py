"""`motcua demo` as someone trying Motcua types it: the whole hall starts on SQLite with
simulated devices, says where everything is, and a clerk's simulated keypad calls a
citizen's number onto the simulated LED board above the counter."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bench.server import free_port
from queue_server.cli.public_address import lan_address
from tests.dossiers.helpers import payload

ROOT = Path(__file__).resolve().parents[2]


class Demo:
    def __init__(self, data: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env["PYTHONPATH"] = str(ROOT)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "queue_server.cli", "demo", "--no-kiosk", "--data", str(data),
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, predicate, timeout: float = 30) -> str:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        for line in self.seen:
            if predicate(line):
                return line
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, "the demo stopped:\n" + "\n".join(self.seen)
                continue
            self.seen.append(line)
            if predicate(line):
                return line
        raise AssertionError("not printed in time; the demo printed:\n" + "\n".join(self.seen))

    def type(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise
        return self.proc.returncode


def test_the_demo_runs_the_hall_and_a_keypad_calls_onto_the_led_board(tmp_path):
    demo = Demo(tmp_path / "demo")
    try:
        demo.wait_for(lambda line: "Bàn phím mô phỏng / simulated keypads" in line, timeout=60)
        for _ in range(100):
            try:
                if httpx.get(demo.base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        printed = "\n".join(demo.seen)
        assert "canbo1 / motcua-demo" in printed  # the demo clerk's login
        assert "giamsat / motcua-demo" in printed and "admin / motcua-admin" in printed  # and whose read the hall
        assert f"{demo.base}/console" in printed and f"{demo.base}/display/hall" in printed
        assert f"{demo.base}/display/counter/1" in printed
        assert "simulated printer: tcp://127.0.0.1:" in printed
        assert "simulated receipt printer: tcp://127.0.0.1:" in printed

        # "Tiếp nhận và in giấy hẹn" works in the demo: the receipt slip reaches its simulated printer
        clerk = httpx.post(demo.base + "/api/v1/auth/login", json={"username": "canbo1", "password": "motcua-demo"})
        staff = {"Authorization": f"Bearer {clerk.json()['token']}"}
        received = httpx.post(demo.base + "/api/v1/dossiers", json=payload("1.000894"), headers=staff)
        assert received.status_code == 201, received.text
        slip = httpx.post(f"{demo.base}/api/v1/dossiers/{received.json()['id']}/receipt/print", json={}, headers=staff)
        assert slip.status_code == 200 and slip.json()["printed"] is True, slip.text
        receipts = tmp_path / "demo" / "slips" / "receipts"
        deadline = time.monotonic() + 10
        while not any(receipts.glob("*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(receipts.glob("*")), "the simulated receipt printer got no slip"

        # a citizen takes a number at the kiosk (its token is in the demo's device file)
        kiosk = json.loads((tmp_path / "demo" / "demo-devices.json").read_text())["kiosk"]["token"]
        counters = httpx.get(demo.base + "/api/v1/counters").json()
        counter = counters[0]
        service = counter["services"][0]["service_id"]
        issued = httpx.post(demo.base + "/api/v1/tickets", json={"service_id": service},
                            headers={"Authorization": f"Bearer {kiosk}"})
        assert issued.status_code == 201, issued.text
        code = issued.json()["ticket"]["code"]

        # the slip's QR points where a phone in the same network reaches the demo
        lan = lan_address()
        position_url = issued.json()["position_url"]
        if lan is not None:
            assert position_url.startswith(f"http://{lan}:{demo.port}/t/")
            assert f"Điện thoại / phones:    http://{lan}:{demo.port}" in printed
            assert "CẢNH BÁO" not in printed
        else:  # no network here: loopback, and the demo says phones cannot use it
            assert position_url.startswith(demo.base) and "CẢNH BÁO: địa chỉ công khai" in "\n".join(demo.seen)
        # opened here through loopback (tests send nothing to the LAN address, only check it)
        path = position_url.split(f":{demo.port}", 1)[1]
        page = httpx.get(demo.base + path)
        assert page.status_code == 200 and code in page.text

        # the clerk presses N on the counter's keypad: the counter opens, calls, the board shows it
        demo.type(f"{counter['number']} N")
        demo.wait_for(lambda line: line.startswith(f"[LED quầy {counter['number']}] {code}"))
        current = httpx.get(f"{demo.base}/api/v1/counters").json()[0]["current"]
        assert current["code"] == code and current["state"] == "called"

        # then F: finished, and the board clears
        demo.type(f"{counter['number']} F")
        demo.wait_for(lambda line: line.startswith(f"[LED quầy {counter['number']}] —"))

        # a mistyped line is answered, not ignored
        demo.type("99 N")
        demo.wait_for(lambda line: "không có quầy 99" in line)

        # the headless tour, run exactly as the demo prints it, saves the kiosk's screens quietly
        at = demo.seen.index(next(line for line in demo.seen if "headless kiosk screenshots" in line))
        tour = shlex.split(demo.seen[at + 1])
        assert "--server" in tour and "--token-file" in tour and "..." not in tour
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MOTCUA_CONFIG")}
        result = subprocess.run(tour, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        shots = sorted((tmp_path / "artifacts" / "kiosk" / "tour").glob("*.png"))
        assert len(shots) >= 10 and {"home", "services", "priority", "ticket"} <= {p.stem.split("-", 1)[1] for p in shots}
        said = (result.stdout + result.stderr).lower()
        assert "mtdev" not in said and "clipboard" not in said and "cutbuffer" not in said, said[-2000:]
    finally:
        assert demo.stop() == 0
