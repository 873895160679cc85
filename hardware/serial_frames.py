"""The frame format Motcua's LED counter displays and clerk keypads speak (RS-485 multi-drop).

One frame:

    STX  ADDR  CMD  LEN  DATA (LEN bytes)  CHK  ETX
    02   01-FF      00-FF                       03

* ADDR - the device on the bus: 1-254; 255 (0xFF) is broadcast (every display obeys,
  none answers). Devices answering the host put their own address here.
* CMD - one ASCII letter (see serial_display.py and keypad.py).
* LEN - number of DATA bytes (0-255). DATA is binary-safe: the length, not a
  terminator, says where it ends, so STX/ETX bytes inside DATA are fine.
* CHK - XOR of ADDR, CMD, LEN and every DATA byte.

A receiver that sees a bad checksum or a missing ETX drops that STX and looks for the
next one, so a collision or noise on the line costs one frame, never the stream.
Text in DATA is UTF-8, NFC.
"""

from __future__ import annotations

from dataclasses import dataclass

STX = 0x02
ETX = 0x03
BROADCAST = 0xFF


@dataclass(frozen=True)
class Frame:
    address: int
    command: str  # one ASCII letter
    data: bytes = b""

    def encode(self) -> bytes:
        return encode_frame(self.address, self.command, self.data)


def checksum(body: bytes) -> int:
    value = 0
    for byte in body:
        value ^= byte
    return value


def encode_frame(address: int, command: str, data: bytes = b"") -> bytes:
    """One frame's bytes. Raises ValueError for an address outside 1-255 or DATA over 255 bytes."""
    if not 1 <= address <= 255:
        raise ValueError(f"address must be 1-254 (or 255 for broadcast), not {address}")
    if len(command) != 1 or not command.isascii():
        raise ValueError(f"command must be one ASCII letter, not {command!r}")
    if len(data) > 255:
        raise ValueError(f"frame data is at most 255 bytes, not {len(data)}")
    body = bytes([address, ord(command), len(data)]) + data
    return bytes([STX]) + body + bytes([checksum(body), ETX])


class FrameDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole, checked frames back."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped = 0  # frames dropped for a bad checksum or missing ETX

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        buffer = self._buffer
        while True:
            start = buffer.find(STX)
            if start < 0:
                buffer.clear()
                break
            del buffer[:start]
            if len(buffer) < 4:
                break
            length = buffer[3]
            end = 4 + length + 2
            if len(buffer) < end:
                break
            body = bytes(buffer[1 : 4 + length])
            if buffer[end - 1] == ETX and buffer[end - 2] == checksum(body):
                frames.append(Frame(body[0], chr(body[1]), body[3:]))
                del buffer[:end]
            else:
                self.dropped += 1
                del buffer[:1]  # resynchronise on the next STX
        return frames
