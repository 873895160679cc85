"""`motcua kiosk --tour DIR --orientation landscape` in its own process, headless: one PNG
per screen at the landscape size, none of them blank; with `--tour-dossier` it scans a
real receipt's QR URL and shows that dossier's progress."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlencode

from PIL import Image

from tests.conftest import ROOT
from tests.kiosk.conftest import SHOTS


def test_the_tour_saves_every_screen_in_landscape(kiosk_hall, hall_dossiers, tmp_path):
    out = SHOTS / "tour-landscape"
    for old in out.glob("*.png"):
        old.unlink()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MOTCUA_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    late = hall_dossiers["late"]
    result = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "kiosk", "--tour", str(out), "--orientation", "landscape",
         "--server", kiosk_hall.url, "--token-file", str(kiosk_hall.tokens_file), "--cache-dir", str(tmp_path),
         "--tour-dossier", f"{kiosk_hall.url}/dossiers/lookup?" + urlencode({"code": late["code"],
                                                                            "key": late["lookup_code"]})],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    shots = sorted(out.glob("*.png"))
    names = [p.stem.split("-", 1)[1] for p in shots]
    for expected in ("home", "services", "priority", "ticket", "procedures", "search", "procedure", "field",
                     "dossier", "dossier-result", "dossier-result-en", "rating", "rating-unsatisfied",
                     "offline-home", "offline-services"):
        assert expected in names, (expected, names)
    for path in shots:
        image = Image.open(path).convert("L")
        assert image.size == (1920, 1080), path
        low, high = image.getextrema()
        assert high - low > 100, f"{path.name} looks blank"
