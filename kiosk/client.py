"""The kiosk's only way to the queue server: HTTP with short timeouts and typed errors.

    client = KioskClient("http://10.0.0.2:8000", token="mcd_...")
    client.services()                       # {"site": ..., "services": [...]}
    client.issue(service_id, "elderly")     # the server's answer (ticket, people ahead, wait)
    client.catalog(etag)                    # (catalogue, etag) or NotModified
    client.online                           # False after a call could not reach the server

Errors (all KioskError, each with `message_vi` / `message_en` for the screen):
Offline (no connection, timeout, or the server answered 503), Unconfirmed (an issue sent
but not answered: a timeout, or a proxy's 502/504 when the process behind it died), RateLimited (with the
server's Retry-After in seconds), NotAvailable (the server has no such endpoint yet),
DossierNotFound (no dossier with this code and lookup code: the server answers a wrong
lookup code exactly like an unknown dossier, and so does the kiosk), ServerRefused (any
other problem answer, with the server's own Vietnamese and English `detail`).

Issuing is never retried here: a request that timed out may have issued a ticket, and a
second try could issue another. The screen says the number was not confirmed instead.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx


class KioskError(Exception):
    message_vi = "Có lỗi xảy ra. Vui lòng thử lại hoặc hỏi cán bộ."
    message_en = "Something went wrong. Please try again or ask a staff member."

    def __init__(self, detail: str = "", *, message_vi: str | None = None, message_en: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(detail or self.message_en)
        self.detail = detail
        self.status = status
        if message_vi:
            self.message_vi = message_vi
        if message_en:
            self.message_en = message_en


class Offline(KioskError):
    message_vi = "Mất kết nối với máy chủ. Chưa lấy được số. Vui lòng hỏi cán bộ tại quầy hướng dẫn."
    message_en = "The kiosk cannot reach the server. No number was issued. Please ask a staff member."


class Unconfirmed(Offline):
    """The request was sent but no answer came back in time: it may or may not have happened."""

    message_vi = ("Máy chủ chưa trả lời kịp, chưa xác nhận được số. Vui lòng hỏi cán bộ tại quầy hướng dẫn "
                  "trước khi lấy lại.")
    message_en = "The server did not answer in time, so no number is confirmed. Please ask a staff member first."


class RateLimited(KioskError):
    message_vi = "Ki-ốt đang bận. Vui lòng chờ vài giây rồi thử lại."
    message_en = "The kiosk is busy. Please wait a few seconds and try again."

    def __init__(self, detail: str = "", *, retry_after: int | None = None, **kwargs: object) -> None:
        super().__init__(detail, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after  # seconds, from the server's Retry-After; None: not said


class NotAvailable(KioskError):
    message_vi = "Chức năng này chưa hỗ trợ. Vui lòng hỏi cán bộ tại quầy hướng dẫn."
    message_en = "This is not available yet. Please ask a staff member."


class ServerRefused(KioskError):
    """The server answered with a problem (4xx/5xx); its own message is kept."""


class DossierNotFound(ServerRefused):
    """No dossier with this dossier code and lookup code (which of the two is wrong is not said)."""

    message_vi = "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này."
    message_en = "No dossier matches this dossier code and lookup code."


class CheckinNotFound(ServerRefused):
    """The server knows no booking by this code (or it was mistyped: the same answer)."""


class NotModified(Exception):
    """The cached catalogue is current (HTTP 304)."""


class KioskClient:
    def __init__(self, base_url: str, token: str = "", *, connect_timeout: float = 1.5, timeout: float = 4.0,
                 site: str = "", transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.site = site
        headers = {"Accept": "application/json", "User-Agent": "motcua-kiosk/0.1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.base_url, headers=headers, transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=connect_timeout))
        self._lock = threading.Lock()
        self.online: bool | None = None  # None: not tried yet

    def close(self) -> None:
        self._http.close()

    # -- plumbing ------------------------------------------------------------------------

    def _params(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        params = {"site": self.site} if self.site else {}
        params.update({k: v for k, v in (extra or {}).items() if v is not None})
        return params

    def _send(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None, unsafe: bool = False) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.ConnectError as exc:  # nothing reached the server
            self.online = False
            raise Offline(str(exc)) from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            self.online = False
            if unsafe and not isinstance(exc, httpx.ConnectTimeout):
                raise Unconfirmed(str(exc)) from exc
            raise Offline(str(exc)) from exc
        if response.status_code in (502, 503, 504):
            self.online = False
            if unsafe and response.status_code in (502, 504):
                # a proxy's answer: the server process behind it may have acted before it died
                raise Unconfirmed(f"{method} {path}: HTTP {response.status_code} from the proxy",
                                  status=response.status_code)
            raise Offline(f"{method} {path}: HTTP {response.status_code}", status=response.status_code)
        self.online = True
        return response

    @staticmethod
    def _problem(response: httpx.Response) -> KioskError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        vi, en = body.get("detail") or "", body.get("detail_en") or ""
        if response.status_code == 429:
            return RateLimited(f"HTTP 429 {en}", status=429, retry_after=_seconds(response.headers.get("retry-after")))
        return ServerRefused(f"HTTP {response.status_code}: {en or vi}", message_vi=vi or None,
                             message_en=en or None, status=response.status_code)

    def _json(self, response: httpx.Response, *ok: int) -> Any:
        if response.status_code not in (ok or (200,)):
            raise self._problem(response)
        return response.json()

    # -- the API -------------------------------------------------------------------------

    def health(self) -> bool:
        """True when the server and its database answer; never raises."""
        try:
            return self._send("GET", "/api/v1/health").status_code == 200
        except KioskError:
            return False

    def services(self) -> dict[str, Any]:
        return self._json(self._send("GET", "/api/v1/kiosk/services", params=self._params()))

    def issue(self, service_id: int, priority: str = "normal", procedure_code: str | None = None,
              request_key: str | None = None) -> dict[str, Any]:
        """Take a number. With `request_key`, a lost answer is asked for once more under the
        same key: the server then returns the ticket it made, never a second one."""
        body = {"service_id": service_id, "priority": priority}
        if procedure_code:
            body["procedure_code"] = procedure_code
        headers = {"Idempotency-Key": request_key} if request_key else None
        with self._lock:  # one issue at a time from this kiosk
            try:
                return self._json(self._send("POST", "/api/v1/tickets", json=body, headers=headers, unsafe=True), 201)
            except Unconfirmed:
                if not request_key:
                    raise
                return self._json(self._send("POST", "/api/v1/tickets", json=body, headers=headers, unsafe=True), 201)

    def catalog(self, etag: str | None = None) -> tuple[dict[str, Any], str]:
        headers = {"If-None-Match": etag} if etag else None
        response = self._send("GET", "/api/v1/catalog", params=self._params(), headers=headers)
        if response.status_code == 304:
            raise NotModified()
        return self._json(response), response.headers.get("etag", "")

    def procedure(self, code: str) -> dict[str, Any]:
        return self._json(self._send("GET", f"/api/v1/catalog/procedures/{code}", params=self._params()))

    def rate(self, level: str, reasons: list[str] | None = None, comment: str = "", *,
             ticket_id: int | None = None, counter_number: int | None = None) -> dict[str, Any]:
        body = {"level": level, "reasons": reasons or [], "comment": comment, "ticket_id": ticket_id,
                "counter_number": counter_number}
        return self._json(self._send("POST", "/api/v1/ratings", json=body), 201)

    def petition(self, category: str, text: str, phone: str = "") -> dict[str, Any]:
        """Send a citizen's feedback or petition; the answer holds the `code` to read it back."""
        return self._json(self._send("POST", "/api/v1/petitions",
                                     json={"category": category, "text": text, "phone": phone}), 201)

    def heartbeat(self, printer: str = "") -> dict[str, Any]:
        """Tell the hall's monitor this kiosk is alive, with its printer's state."""
        return self._json(self._send("POST", "/api/v1/devices/heartbeat", json={"printer": printer}))

    def report_print_failure(self, ticket_id: int, reason: str) -> dict[str, Any]:
        return self._json(self._send("POST", "/api/v1/kiosk/print-failures",
                                     json={"ticket_id": ticket_id, "reason": reason}), 201)

    def checkin(self, code: str) -> dict[str, Any]:
        """Check a remote number (or an appointment) in by its code: it enters the queue.
        CheckinNotFound for a wrong or unknown code, RateLimited after too many, ServerRefused
        (409, with the server's words) for one that expired."""
        response = self._send("POST", "/api/v1/checkin", json={"code": code})
        if response.status_code == 404:
            raise CheckinNotFound("HTTP 404: no such code", status=404)
        return self._json(response)

    def dossier_lookup(self, code: str, key: str) -> dict[str, Any]:
        """A dossier's progress (the public view: procedure, state, due date, masked name,
        timeline). DossierNotFound for an unknown dossier or a wrong lookup code, RateLimited
        after too many wrong tries, NotAvailable from a server without dossier lookup."""
        response = self._send("GET", "/api/v1/dossiers/lookup", params={"code": code, "key": key})
        if response.status_code in (404, 405) and _is_missing_route(response):
            raise NotAvailable(f"HTTP {response.status_code}: no dossier lookup on this server",
                               status=response.status_code)
        if response.status_code == 404:
            raise DossierNotFound("HTTP 404: no such dossier", status=404)
        return self._json(response)


def _seconds(value: str | None) -> int | None:
    """Retry-After as seconds (the server sends a number; an HTTP date is not expected)."""
    try:
        return max(0, int(str(value).strip())) if value is not None else None
    except ValueError:
        return None


def _is_missing_route(response: httpx.Response) -> bool:
    """A 404 for the route itself (FastAPI's generic "Not Found"), not for an unknown dossier."""
    if response.status_code == 405:
        return True
    try:
        body = response.json()
    except ValueError:
        return True
    if not isinstance(body, dict):
        return True
    return body.get("detail_en") in (None, "Not Found") or str(body.get("type", "")).endswith("/404")
