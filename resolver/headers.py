"""Security headers: ``X-Content-Type-Options: nosniff`` on every response, a restrictive
Content-Security-Policy on every HTML page, and for the API docs pages (``smcat.pages.docs``,
assets served by smcat) a policy that allows exactly their own inline script, by hash.

(``Server: uvicorn`` is turned off where the server starts: ``smcat.serving``.)
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_CSP", "SecurityHeaders", "csp_for"]

#: HTML that names no policy of its own gets this one: nothing may load, nothing may frame it.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_INLINE_SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.S)  # our own generated pages only


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy): adds the headers at response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                names = {k.lower() for k, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DEFAULT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
