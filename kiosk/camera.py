"""The kiosk's camera at the check-in screen: a citizen holds up the phone's QR (a booking's
page, a remote number's live page or its check-in code) and the kiosk reads it, as a scanner
would type it.

A camera is named by URL, like the printer (`checkin_camera` in the kiosk's configuration):

    v4l2:///dev/video0     a USB webcam by its device file (OpenCV: pip install opencv-python-headless)
    cam://0                a camera by index (OpenCV)
    file:///path/qr.png    a still image read at every look: the simulator, and the tests

QR codes are decoded by zxing-cpp. A camera that cannot be opened raises CameraUnavailable
with the reason; the screen then keeps the keyboard and the scanner, as without a camera.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SCHEMES = ("v4l2", "cam", "file")


class CameraUnavailable(RuntimeError):
    """The camera named in the configuration cannot be used (the message says why)."""


def check_url(url: str) -> str:
    """`url` if it names a camera this module can open, else ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{url!r}: a camera URL starts with v4l2://, cam:// or file:// "
                         "(e.g. v4l2:///dev/video0, cam://0, file:///tmp/qr.png)")
    if parts.scheme == "cam" and not parts.netloc.isdigit():
        raise ValueError(f"{url!r}: cam:// takes the camera's index, e.g. cam://0")
    if parts.scheme in ("v4l2", "file") and not parts.path:
        raise ValueError(f"{url!r}: {parts.scheme}:// takes a path, e.g. {parts.scheme}:///dev/video0")
    return url


class QrCamera:
    """One camera; `read()` looks once and returns the first QR code's text, or None."""

    def __init__(self, url: str) -> None:
        self.url = check_url(url)
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self._image: Path | None = Path(unquote(parts.path)) if parts.scheme == "file" else None
        self._capture: Any = None
        if parts.scheme in ("v4l2", "cam"):
            try:
                import cv2
            except ImportError:
                raise CameraUnavailable("OpenCV is not installed (pip install opencv-python-headless)") from None
            source: Any = int(parts.netloc) if parts.scheme == "cam" else unquote(parts.path)
            self._capture = cv2.VideoCapture(source)
            if not self._capture.isOpened():
                raise CameraUnavailable(f"cannot open the camera {url}")

    def _frame(self) -> Any:
        if self._image is not None:
            from PIL import Image

            try:
                with Image.open(self._image) as image:
                    return image.convert("L")
            except OSError:
                return None  # no picture there now: nothing held up
        ok, frame = self._capture.read()
        return frame if ok else None

    def read(self) -> str | None:
        import zxingcpp

        frame = self._frame()
        if frame is None:
            return None
        for found in zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode):
            if found.text:
                return found.text
        return None

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def open_camera(url: str) -> QrCamera | None:
    """The configured camera, or None when none is configured."""
    return QrCamera(url) if url else None


__all__ = ["CameraUnavailable", "QrCamera", "check_url", "open_camera"]
