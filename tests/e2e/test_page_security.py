"""Every browser page in real Chromium: the security headers of each response, and the main
flows (console, hall display, counter display, dossier pages) running under the
Content-Security-Policy with no violation reported (issue 10, item 7)."""

from __future__ import annotations

import httpx
import pytest

from queue_server.services.dossiers import reception as dossiers
from tests.conftest import PASSWORD
from tests.dossiers.helpers import payload
from tests.e2e.conftest import wait_until
from tests.e2e.test_console_and_hall import audio_requests, log_in_at_counter

pytestmark = pytest.mark.slow

PAGES = ["/", "/console", "/supervisor", "/supervisor/feedback", "/feedback", "/reports", "/admin", "/setup",
         "/appointments", "/supervisor/appointments",
         "/display/hall", "/display/counter/3", "/dossiers/reception", "/dossiers/lookup",
         "/dossiers/rate?counter=3", "/dossiers/supervisor", "/agencies/inbox"]

# reported to the page's console by Chromium itself, and by this listener (added before any page script)
WATCH_CSP = """document.addEventListener("securitypolicyviolation",
  (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));"""


def _watch(page) -> dict[str, list]:  # noqa: ANN001
    seen: dict[str, list] = {"violations": [], "responses": []}
    page.add_init_script(WATCH_CSP)
    page.on("console", lambda m: seen["violations"].append(m.text)
            if "Content Security Policy" in m.text or "CSP violation" in m.text else None)
    page.on("response", lambda r: seen["responses"].append((r.url, r.all_headers())))
    return seen


def _check_headers(url: str, headers: dict[str, str]) -> None:
    assert headers.get("x-content-type-options") == "nosniff", url
    assert headers.get("x-frame-options") == "DENY", url
    assert headers.get("referrer-policy") == "same-origin", url
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, url
    if headers.get("content-type", "").startswith("text/html"):
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", url
        assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'", url


def _log_in(page, username: str) -> None:  # noqa: ANN001
    page.fill("#login-user", username)
    page.fill("#login-pass", PASSWORD)
    page.click("#login-submit")


def test_every_page_and_everything_it_loads_carries_the_security_headers(served, new_page):
    page = new_page()
    seen = _watch(page)
    for path in PAGES:
        response = page.goto(served.url + path)
        assert response.status == 200, path
        _check_headers(path, response.all_headers())
        page.wait_for_load_state("load")
        page.wait_for_timeout(400)  # the pages fetch JSON after loading (event streams never go idle)
    ours = [(url, h) for url, h in seen["responses"] if url.startswith(served.url)]
    kinds = {h.get("content-type", "").split(";")[0] for _, h in ours}
    assert {"text/html", "text/javascript", "text/css", "application/json"} <= kinds, kinds
    for url, headers in ours:
        _check_headers(url, headers)
    assert seen["violations"] == [] and page.errors == []


def test_the_main_flows_run_under_the_policy_without_a_violation(served, new_page):
    served.issue(served.hall.a, 2)
    hall = new_page(1920, 1080)
    hall_seen = _watch(hall)
    heard = audio_requests(hall)
    hall.goto(f"{served.url}/display/hall")
    hall.wait_for_selector(".tile[data-counter='3']")
    counter = new_page(800, 480)
    counter_seen = _watch(counter)
    counter.goto(f"{served.url}/display/counter/3")

    console = new_page()
    console_seen = _watch(console)
    log_in_at_counter(console, served, 3)  # the console's live queue comes over the event stream
    console.keyboard.press("n")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A001'")
    hall.wait_for_function("() => document.querySelector('#now-code').textContent === 'A001'")
    wait_until(lambda: heard, message="the hall display to fetch the announcement", page=hall)
    counter.wait_for_function("() => document.body.textContent.includes('A001')")
    wav = [r for url, r in hall_seen["responses"] if "/api/v1/announcements/" in url]
    assert wav and wav[0]["content-type"] == "audio/wav"

    d = dossiers.receive_dossier(served.ctx, served.hall.clerk, payload("1.000894"))
    lookup = new_page()
    lookup_seen = _watch(lookup)
    lookup.goto(f"{served.url}/dossiers/lookup?code={d['code']}&key={d['lookup_code']}")
    lookup.wait_for_selector("#result:not(.hidden)")
    assert lookup.inner_text("#r-state") == "Đã tiếp nhận"

    reception = new_page()
    reception_seen = _watch(reception)
    reception.goto(f"{served.url}/dossiers/reception")
    _log_in(reception, "an")
    reception.wait_for_selector("#reception:not(.hidden)")
    reception.wait_for_function("() => document.querySelectorAll('#procedure option').length > 10")
    reception.select_option("#procedure", "1.004222")
    reception.wait_for_selector("#docs tbody tr")

    supervisor = new_page(1280, 900)
    supervisor_seen = _watch(supervisor)
    supervisor.goto(f"{served.url}/dossiers/supervisor")
    _log_in(supervisor, "giam")
    supervisor.wait_for_selector("#app:not(.hidden)")
    supervisor.fill("#open-code", d["code"])
    supervisor.click("#open-form button")
    supervisor.wait_for_selector("#detail .timeline li")
    # the PDFs the page links to load with the session, framed by no other site (the reception
    # page's own print frame only)
    link = supervisor.get_attribute("#detail a[href$='receipt.pdf']", "href")
    pdf = supervisor.context.request.get(served.url + link)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert pdf.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"

    rate = new_page(1280, 800)
    rate_seen = _watch(rate)
    rate.goto(f"{served.url}/dossiers/rate?counter=3")
    _log_in(rate, "an")
    rate.wait_for_function("() => document.querySelector('#counter-line').textContent.startsWith('Quầy 3')")

    for name, page, seen in (("hall", hall, hall_seen), ("counter", counter, counter_seen),
                             ("console", console, console_seen), ("lookup", lookup, lookup_seen),
                             ("reception", reception, reception_seen), ("supervisor", supervisor, supervisor_seen),
                             ("rate", rate, rate_seen)):
        assert seen["violations"] == [], (name, seen["violations"])
        assert page.errors == [], (name, page.errors)


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(served, tmp_path):
    r = httpx.post(f"{served.url}/api/v1/auth/login", json={"username": "an", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # plain http here
    # X-Forwarded-Proto from a client that is not a listed proxy means nothing
    r = httpx.post(f"{served.url}/api/v1/auth/login", json={"username": "an", "password": PASSWORD},
                   headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in r.headers["set-cookie"].lower()
    # behind a TLS proxy on this host, listed in trusted_proxies: the cookie is Secure
    from tests.conftest import ServerProcess

    behind = ServerProcess(served.server.data_dir, env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1"}).start()
    try:
        r = httpx.post(f"{behind.url}/api/v1/auth/login", json={"username": "an", "password": PASSWORD},
                       headers={"X-Forwarded-Proto": "https"})
    finally:
        behind.stop()
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" in cookie
