"""The queue reports page (/reports) in Chromium against a real server: a supervisor reads
yesterday's figures, the charts are drawn, and the CSV, XLSX and monthly PDF it links to
download with the same figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pypdf
from openpyxl import load_workbook

from queue_server.clock import ManualClock
from queue_server.services.context import Context
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def a_morning(served, day, waits: list[int]) -> None:  # noqa: ANN001
    """Citizens of Hộ tịch served one after another at counter 3 on `day`, each waiting `waits[i]` s."""
    clock = ManualClock(datetime(day.year, day.month, day.day, 8, 0, tzinfo=HANOI).astimezone(UTC))
    ctx = Context.create(served.ctx.settings, clock)
    hall = served.hall
    try:
        counters.set_state(ctx, hall.clerk, hall.c3, "open")
        for wait in waits:
            queue.issue_ticket(ctx, hall.kiosk, hall.a)
            clock.advance(wait)
            queue.call_next(ctx, hall.clerk, hall.c3)
            queue.start(ctx, hall.clerk, hall.c3)
            clock.advance(300)
            queue.finish(ctx, hall.clerk, hall.c3)
        counters.set_state(ctx, hall.clerk, hall.c3, "closed")
    finally:
        ctx.db.dispose()


def test_a_supervisor_reads_yesterday_and_downloads_its_tables(served, new_page):
    today = datetime.now(HANOI).date()
    yesterday = today - timedelta(days=1)
    a_morning(served, yesterday, [60, 120, 600, 900, 1200])
    page = new_page(1366, 768)
    page.goto(f"{served.url}/reports?from={yesterday}&to={yesterday}")
    page.fill("#username", "giam")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#table-by_service")
    cards = page.inner_text("#cards")
    assert "5\nLượt lấy số" in cards and "Đã phục vụ" in cards
    assert "10 / 20 ph" in cards  # median 600 s, 90th percentile 1,200 s
    row = page.inner_text("#table-by_service tbody tr")
    assert row.startswith("HT – Hộ tịch") and "\t5\t5\t" in row
    assert page.evaluate("() => ['chart-days', 'chart-hours', 'chart-waits', 'chart-satisfaction']"
                         ".every((id) => window.Chart.getChart(id) !== undefined)")
    assert page.evaluate("() => window.Chart.getChart('chart-days').data.datasets[0].data") == [5]
    screenshot(page, "reports-1366x768")
    page.screenshot(path=str(screenshot(page, "reports-1366x768").with_name("reports-full.png")), full_page=True)
    assert page.errors == []

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    csv_link = page.locator("section:has(#table-by_service) h2 a")
    r = httpx.get(served.url + csv_link.get_attribute("href"), cookies=cookies)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Dịch vụ", "Mục tiêu chờ (phút)", "Lượt cấp"]
    assert rows[1][0] == "HT – Hộ tịch" and rows[1][2] == "5"

    r = httpx.get(served.url + page.get_attribute("#xlsx", "href"), cookies=cookies)
    sheet = load_workbook(io.BytesIO(r.content))["Theo dịch vụ"]
    assert sheet["A4"].value == "HT – Hộ tịch" and sheet["C4"].value == 5

    # a whole month offers its PDF, the monthly report for the head of unit
    first = yesterday.replace(day=1)
    page.fill("#from", first.isoformat())
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    page.fill("#to", last.isoformat())
    page.click("#show")
    page.wait_for_selector("#pdf:not([hidden])")
    r = httpx.get(served.url + page.get_attribute("#pdf", "href"), cookies=cookies)
    assert r.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "UBND Phường 1" in text and f"THÁNG {first.month}/{first.year}" in text

    # the API behind the page refuses anyone not signed in
    assert httpx.get(f"{served.url}/api/v1/reports/queue").status_code == 401
