"""Security headers: ``X-Content-Type-Options: nosniff`` on every response, a restrictive
Content-Security-Policy on every HTML page, and the API docs pages served under a policy
that allows exactly their own inline script (by hash) and the CDN they load from.

(``Server: uvicorn`` is turned off where the server starts: ``resolver.serving``.)
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_CSP", "SecurityHeaders", "add_docs_pages", "csp_for"]

#: HTML that names no policy of its own gets this one: nothing may load, nothing may frame it.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_CDN = "https://cdn.jsdelivr.net"
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


def csp_for(html: str, *, extra: str = "") -> str:
    """A policy for one of our docs pages: its inline scripts by hash, the CDN, nothing else."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT_RE.findall(html)
        if s.strip()
    )
    return (
        f"default-src 'none'; script-src {hashes} {_CDN}; style-src 'unsafe-inline' {_CDN} "
        "https://fonts.googleapis.com; font-src https://fonts.gstatic.com; "
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; connect-src 'self'; "
        f"{extra}frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def _page(response: HTMLResponse, extra: str = "") -> HTMLResponse:
    html = response.body.decode()
    return HTMLResponse(html, headers={"Content-Security-Policy": csp_for(html, extra=extra)})


def add_docs_pages(app: FastAPI) -> None:
    """``/docs`` (Swagger UI), ``/docs/oauth2-redirect`` and ``/redoc``, each with its own policy."""
    title = f"{app.title} - API docs"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return _page(
            get_swagger_ui_html(
                openapi_url=app.openapi_url, title=title, oauth2_redirect_url="/docs/oauth2-redirect"
            )
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_redirect() -> HTMLResponse:
        return _page(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _page(get_redoc_html(openapi_url=app.openapi_url, title=title), extra="worker-src blob:; ")
