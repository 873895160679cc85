"""The pages and the announcement audio as a browser fetches them (no browser needed)."""

from __future__ import annotations

import io
import wave

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.clock import SystemClock
from queue_server.services.announcements import AnnouncementAudio
from tests.conftest import make_ctx


@pytest.fixture
def ctx(tmp_path):  # pages and sounds do not depend on the database engine: SQLite only
    context = make_ctx(f"sqlite:///{tmp_path / 'motcua.db'}", tmp_path, SystemClock())
    yield context
    context.db.dispose()


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


@pytest.mark.parametrize("path, script", [
    ("/console", "/static/js/console.js"),
    ("/display/hall", "/static/js/hall.js"),
    ("/display/counter/3", "/static/js/counter.js"),
    ("/", "/static/js/index.js"),
])
def test_every_page_is_served_with_its_script_and_a_strict_policy(client, path, script):
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert f'src="{script}"' in r.text
    assert '<html lang="vi">' in r.text
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    js = client.get(script)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert js.headers["cache-control"] == "no-cache" and js.headers.get("etag")


def test_static_files_revalidate_by_etag_and_fonts_come_from_the_assets(client):
    first = client.get("/static/css/hall.css")
    again = client.get("/static/css/hall.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    font = client.get("/static/fonts/DejaVuSansCondensed-Bold.ttf")
    assert font.status_code == 200 and font.content[:4] == b"\x00\x01\x00\x00"


def test_a_missing_file_or_a_path_outside_the_folder_is_not_found(client):
    assert client.get("/static/js/nothing.js").status_code == 404
    assert client.get("/static/..%2F..%2Fapi%2Fapp.py").status_code == 404
    assert client.get("/display/counter/abc").status_code == 422


def _duration_s(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_the_announcement_of_a_call_is_a_wav_with_an_etag(client):
    r = client.get("/api/v1/announcements/vi/A012/3.wav")
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/wav"
    assert r.headers["cache-control"] == "no-cache"  # asked again at every call: a recall is heard
    assert 2.0 < _duration_s(r.content) < 12.0
    etag = r.headers["etag"]
    again = client.get("/api/v1/announcements/vi/A012/3.wav", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/v1/announcements/vi/A013/3.wav")
    assert other.headers["etag"] != etag and other.content != r.content
    english = client.get("/api/v1/announcements/en/A012/3.wav")
    assert english.status_code == 200 and english.content != r.content


def test_the_same_sound_has_the_same_tag_and_comes_from_the_disk_cache_after_a_restart(client, ctx):
    a = client.get("/api/v1/announcements/vi/A012/3.wav")
    b = client.get("/api/v1/announcements/vi/a-012/3.wav")  # read the same way
    assert a.headers["etag"] == b.headers["etag"] and a.content == b.content
    cached = list((ctx.settings.data_dir / "voice-cache").glob("*.wav"))
    assert len(cached) == 1 and cached[0].read_bytes() == a.content


def test_what_cannot_be_spoken_is_refused_in_vietnamese(client):
    r = client.get("/api/v1/announcements/vi/A%C4%90/3.wav")  # "AĐ": Đ has no clip
    assert r.status_code == 422
    assert r.json()["detail"].startswith("Không đọc được số “AĐ”")
    assert client.get("/api/v1/announcements/fr/A012/3.wav").status_code == 404
    assert client.get("/api/v1/announcements/vi/A012/-1.wav").status_code == 422


def test_an_incomplete_voice_pack_is_a_clear_server_error(client, tmp_path):
    (tmp_path / "vi").mkdir()
    client.app.state.voice = AnnouncementAudio(default_dir=tmp_path)
    r = client.get("/api/v1/announcements/vi/A012/3.wav")
    assert r.status_code == 503
    assert r.json()["detail"] == "Bộ giọng đọc thiếu tệp âm thanh; hãy báo quản trị viên."
    assert "chime" in r.json()["detail_en"]
