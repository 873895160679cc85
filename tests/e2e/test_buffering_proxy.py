"""A hall display behind a proxy that holds its event stream back (nginx buffering and
compressing it, with the server's X-Accel-Buffering ignored: hand edits) says it gets no live updates instead of looking live, and the
same display behind the configuration `motcua deploy nginx` writes is live and shows calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.nginx_process import NginxProcess, edit_the_stream, require_nginx
from tests.e2e.conftest import screenshot
from tests.e2e.test_displays import wait_tile

pytestmark = pytest.mark.slow


def test_a_display_behind_a_proxy_that_holds_the_stream_says_it_is_stale(served, new_page, tmp_path: Path):
    require_nginx()
    good = NginxProcess(tmp_path / "good", [served.server.port]).start()
    wrong = NginxProcess(tmp_path / "wrong", [served.server.port])
    edit_the_stream(wrong, "compressed", "buffered")
    wrong.start()
    try:
        served.issue(served.hall.a, 2)
        served.post(f"/api/v1/counters/{served.hall.c3}/open")
        behind_good, behind_wrong = new_page(1920, 1080), new_page(1920, 1080)
        behind_good.goto(f"{good.url}/display/hall")
        behind_wrong.goto(f"{wrong.url}/display/hall")
        behind_good.wait_for_function("() => document.body.dataset.stream === 'live'")
        behind_wrong.wait_for_function("() => document.body.dataset.stream === 'stale'")
        assert "Không nhận được tin trực tiếp" in behind_wrong.inner_text("#status")
        assert "may be out of date" in behind_wrong.inner_text("#status")
        assert behind_good.inner_text("#status") == ""

        assert served.post(f"/api/v1/counters/{served.hall.c3}/call-next").json()["code"] == "A001"
        wait_tile(behind_good, 3, "A001")
        behind_wrong.wait_for_timeout(1500)
        # the stale screen still says so (it never claimed to be live while the call was held back)
        assert behind_wrong.evaluate("() => document.body.dataset.stream") == "stale"
        screenshot(behind_wrong, "hall-display-stale-behind-a-buffering-proxy-1920x1080")
        assert behind_good.errors == [] and behind_wrong.errors == []
    finally:
        good.stop()
        wrong.stop()
