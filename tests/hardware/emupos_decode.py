"""Decode ESC/POS bytes with emupos, the independent interpreter (runs under Python >= 3.13).

Not a test module: tests run it with the emupos venv's python (env MOTCUA_EMUPOS):

    $MOTCUA_EMUPOS tests/hardware/emupos_decode.py < request.json > reply.json

Request (JSON): {"data_b64": ..., "width_dots": 576, "code_pages": {"0": "PC437", ...},
"codecs": {"VN3LOWER": {"168": "ă", ...}}, "out_dir": "/tmp/x"}. `codecs` registers
Python codecs under those names *in this process only*, from tables the test built
from an independent source (glibc iconv), so emupos' text dump can decode code pages
that Python does not ship (TCVN-3).

Reply (JSON): {"receipts": [{"text", "png", "width", "height"}], "blocks": [{"text",
"png"}], "events": [{"type", "data"}]}: every receipt emupos completed, every image /
QR block it printed (as separate PNGs, in order) and every event it raised (unknown
commands, unsupported code pages).
"""

import base64
import codecs
import json
import sys
from pathlib import Path


def register_codecs(tables: dict[str, dict[str, str]]) -> None:
    maps = {name.lower(): {int(byte): char for byte, char in table.items()} for name, table in tables.items()}

    def search(name: str):
        table = maps.get(name.lower())
        if table is None:
            return None
        decoding = "".join(table.get(byte, chr(byte) if byte < 0x80 else "\ufffd") for byte in range(256))
        encoding = codecs.charmap_build(decoding)

        def encode(text, errors="strict"):
            return codecs.charmap_encode(text, errors, encoding)

        def decode(data, errors="strict"):
            return codecs.charmap_decode(data, errors, decoding)

        return codecs.CodecInfo(encode, decode, name=name)

    codecs.register(search)


def main() -> int:
    request = json.load(sys.stdin)
    register_codecs(request.get("codecs", {}))

    from emupos.config import PrinterProfile
    from emupos.printer.escpos import render
    from emupos.printer.printer import Printer

    out_dir = Path(request["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks: list[dict] = []
    original = render.Receipt.print_block

    def capture(self, image, area, justification, text):  # every raster image / QR code block
        path = out_dir / f"block-{len(blocks):03d}.png"
        image.save(path)
        blocks.append({"text": text, "png": str(path), "width": image.width, "height": image.height})
        return original(self, image, area, justification, text)

    render.Receipt.print_block = capture
    profile = PrinterProfile(
        type="printer",
        name="motcua-test",
        dpi=203,
        width_dots=request["width_dots"],
        font_a={"width": 12, "height": 24},
        font_b={"width": 9, "height": 17},
        code_pages={int(k): v for k, v in request["code_pages"].items()},
        default_code_page=0,
        drawer_sensor_open_level="high",
    )
    printer = Printer("test", profile, sensor_open_level="high", job_idle_timeout_ms=1000)
    data = base64.b64decode(request["data_b64"])
    outputs = [printer.open_connection("c1", 0.0), printer.receive("c1", data, 0.0), printer.close_connection("c1", 1.0)]
    receipts, events = [], []
    for output in outputs:
        for event in output.events:
            events.append({"type": str(event.type), "data": event.data})
        for receipt in output.receipts:
            path = out_dir / f"receipt-{len(receipts):02d}.png"
            path.write_bytes(receipt.png)
            receipts.append(
                {"text": receipt.text, "png": str(path), "width": receipt.width_dots, "height": receipt.height_dots}
            )
    json.dump({"receipts": receipts, "blocks": blocks, "events": events}, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
