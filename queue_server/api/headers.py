"""Security headers on every response, in one place (a pure ASGI middleware: it only adds
headers to the response start, so it costs a few list operations per request).

- Pages (HTML, and SVG, which can carry script) get a strict Content-Security-Policy:
  scripts, styles, fonts, images and audio only from this server, no inline script or style
  attribute, no plugins, and `frame-ancestors 'none'`: no other site (nor this one) may frame
  a page, so a clerk's console or a dossier page with ID numbers and addresses cannot be
  overlaid and clicked through.
- Every other answer (JSON, PDF, WAV, ESC/POS bytes, the event stream) gets
  `frame-ancestors 'none'` only: a PDF opens in the browser's own viewer, which a fuller
  policy on the PDF itself could break.
- Everything: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (browsers older
  than frame-ancestors), `Referrer-Policy: same-origin` (the dossier lookup URL carries
  its key; it never leaves in a Referer).

A header the endpoint set itself is kept.
"""

from __future__ import annotations

from typing import Any

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "media-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'; object-src 'none'")
OTHER_CSP = "frame-ancestors 'none'"

_ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"same-origin")]
_NAMES = {name for name, _ in _ALWAYS} | {b"content-security-policy"}
_PAGE_CSP = PAGE_CSP.encode()
_OTHER_CSP = OTHER_CSP.encode()


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = set()
                page = False
                for name, value in headers:
                    lower = name.lower()
                    if lower in _NAMES:
                        present.add(lower)
                    elif lower == b"content-type":
                        page = value.startswith((b"text/html", b"image/svg"))
                headers += [h for h in _ALWAYS if h[0] not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _PAGE_CSP if page else _OTHER_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
