"""Security headers: ``X-Content-Type-Options: nosniff`` on every response, a restrictive
Content-Security-Policy on every HTML page, and for the API docs pages (``smcat.pages.docs``,
assets served by smcat) a policy that allows exactly their own inline script, by hash.

(``Server: uvicorn`` is turned off where the server starts: ``smcat.service.serving``.)
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_CSP", "SecurityHeaders", "csp_for", "secure", "securing"]

#: HTML that names no policy of its own gets this one: nothing may load, nothing may frame it.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_DEFAULT_CSP = DEFAULT_CSP.encode()
_INLINE_SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.S)  # our own generated pages only


def secure(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's raw headers with smcat's policy applied: no ``Server`` header,
    ``X-Content-Type-Options: nosniff``, and the default CSP on HTML that names none."""
    out = []
    html = csp = False
    for k, v in headers:
        name = k.lower()
        if name == b"server":
            continue
        if name == b"content-type":
            html = v.startswith(b"text/html")
        elif name == b"content-security-policy":
            csp = True
        out.append((k, v))
    out.append((b"x-content-type-options", b"nosniff"))
    if html and not csp:
        out.append((b"content-security-policy", _DEFAULT_CSP))
    return out


def securing(send: Send) -> Send:
    """``send`` applying ``secure()`` to the response's headers."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": secure(list(message.get("headers", [])))}
        await send(message)

    return send_with_headers


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy): ``secure()`` at response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, securing(send))


def csp_for(html: str) -> str:
    """The policy for one of our docs pages: scripts and styles from smcat itself, its own inline
    scripts allowed by hash (never ``'unsafe-inline'``), nothing from anywhere else."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT_RE.findall(html)
        if s.strip()
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
