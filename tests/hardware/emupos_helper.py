"""Run emupos (the independent ESC/POS interpreter) on bytes from the tests' process.

emupos needs Python >= 3.13, so it lives in its own venv; env MOTCUA_EMUPOS points
at that venv's python (`make test` sets it). Without it the tests that need it are
skipped with a clear reason, except when CI=true, where they fail.

TCVN-3 is not a Python codec, so the decoder gets tables built here from glibc's
iconv `TCVN5712-1` converter (TCVN 5712:1993 VN1, a superset of VN3 in 0xA0-0xFF):
an independent source, not our own table. The capital page (python-escpos
"TCVN-3-2") is VN3 with the capitals at the lowercase positions.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from hardware.printer.profiles import PrinterProfile

DECODER = Path(__file__).with_name("emupos_decode.py")


def emupos_python() -> str:
    path = os.environ.get("MOTCUA_EMUPOS", "")
    if path and Path(path).exists():
        return path
    reason = "emupos not available: set MOTCUA_EMUPOS to the emupos venv's python (make test does)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@lru_cache(maxsize=1)
def glibc_vn3() -> dict[int, str]:
    """byte -> character for 0xA0-0xFF from glibc iconv TCVN5712-1 (letters only)."""
    if shutil.which("iconv") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("iconv (glibc) is needed to check TCVN-3 bytes independently")
        pytest.skip("iconv (glibc) not installed")
    table: dict[int, str] = {}
    for byte in range(0xA0, 0x100):
        result = subprocess.run(
            ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([byte]), capture_output=True
        )
        char = result.stdout.decode("utf-8", errors="replace")
        if result.returncode == 0 and len(char) == 1 and char.isalpha():
            table[byte] = char
    return table


def emupos_code_pages(profile: PrinterProfile) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The emupos profile code pages for our profile, and the codecs emupos must register."""
    pages = {"0": "PC437"}
    codecs: dict[str, dict[str, str]] = {}
    vn3 = glibc_vn3()
    for name, number in profile.vietnamese.pages:
        if name == "CP1258":
            pages[str(number)] = "WPC1258"  # emupos maps it to Python's cp1258
        elif name == "TCVN-3-1":
            pages[str(number)] = "VN3LOWER"
            codecs["VN3LOWER"] = {str(b): c for b, c in vn3.items()}
        elif name == "TCVN-3-2":
            pages[str(number)] = "VN3UPPER"
            codecs["VN3UPPER"] = {str(b): c.upper() for b, c in vn3.items()}
    return pages, codecs


@dataclass
class Decoded:
    text: str  # emupos' text dump of the whole job
    receipt_png: Path
    blocks: list[dict]
    events: list[dict]

    def text_lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


def decode(data: bytes, profile: PrinterProfile, out_dir: Path) -> Decoded:
    python = emupos_python()
    pages, codecs = emupos_code_pages(profile)
    request = {
        "data_b64": base64.b64encode(data).decode(),
        "width_dots": profile.width_dots,
        "code_pages": pages,
        "codecs": codecs,
        "out_dir": str(out_dir),
    }
    result = subprocess.run(
        [python, str(DECODER)], input=json.dumps(request).encode(), capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()
    reply = json.loads(result.stdout)
    assert len(reply["receipts"]) == 1, reply
    receipt = reply["receipts"][0]
    return Decoded(receipt["text"], Path(receipt["png"]), reply["blocks"], reply["events"])
