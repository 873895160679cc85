"""The check-in camera (kiosk/camera.py): a QR held up to it is read as its text; a camera is
named by URL and a wrong URL names what is wrong; nothing held up reads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import qrcode

from kiosk.camera import CameraUnavailable, QrCamera, check_url, open_camera


def qr_png(path: Path, text: str) -> Path:
    qrcode.make(text, border=4, box_size=8).save(path)
    return path


def test_a_qr_held_up_is_read_and_nothing_reads_nothing(tmp_path: Path) -> None:
    image = tmp_path / "held.png"
    camera = QrCamera(f"file://{image}")
    assert camera.read() is None  # no phone held up yet
    qr_png(image, "http://10.0.0.2:8000/checkin?c=R7K4M2QX")
    assert camera.read() == "http://10.0.0.2:8000/checkin?c=R7K4M2QX"
    image.write_bytes(b"not a picture")
    assert camera.read() is None


@pytest.mark.parametrize("url", ["http://camera", "cam://front", "v4l2://", "usb://04b8:0202"])
def test_a_camera_url_that_names_no_camera_says_what_is_wrong(url: str) -> None:
    with pytest.raises(ValueError) as wrong:
        check_url(url)
    assert url in str(wrong.value)


def test_no_camera_configured_is_none_and_a_missing_device_is_unavailable(tmp_path: Path) -> None:
    assert open_camera("") is None
    try:
        import cv2  # noqa: F401
    except ImportError:
        with pytest.raises(CameraUnavailable, match="OpenCV"):
            QrCamera("v4l2:///dev/video-none")
    else:
        with pytest.raises(CameraUnavailable, match="cannot open"):
            QrCamera(f"v4l2://{tmp_path}/no-such-camera")
