"""Rendering pages: the Jinja2 environment, the freshness footer, and ETag / 304 handling.

A page's ETag is computed before it is rendered, from everything the page shows: the
catalogue version, the request's path and query, today's date (status badges move with it),
the last refresh recorded in the store (the footer) and the templates' own fingerprint. A
matching ``If-None-Match`` gets a 304 without rendering anything.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from smcat.catalog.errors import SmcatError

if TYPE_CHECKING:
    from smcat.catalog.store import Store

__all__ = ["HERE", "Context", "freshness", "page", "templates_fingerprint"]

#: A template's context: names the Jinja template reads.
Context = dict[str, Any]

HERE = Path(str(resources.files("smcat.pages")))

#: Every asset comes from this service: the pages work on a network with no way out.
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fingerprint(*dirs: Path) -> str:
    h = hashlib.sha256()
    for d in dirs:
        for p in sorted(d.iterdir()):
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:12]


def templates_fingerprint() -> str:
    """A hash of the templates and static files: a new smcat release changes every ETag."""
    return _TEMPLATES_FP


_TEMPLATES_FP = _fingerprint(HERE / "templates", HERE / "static")
_env.globals["asset_version"] = _TEMPLATES_FP


class _StatusCache:
    """The store's ``status.json``, read at most every ``ttl`` seconds (it may live in S3)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._at = -1e18
        self._value: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, store: Store) -> dict[str, Any]:
        now = time.monotonic()
        if now - self._at >= self.ttl and self._lock.acquire(blocking=False):
            try:
                self._value = store.status()
            except SmcatError:  # unreachable store: the footer says "unknown" instead of failing the page
                self._value = {}
            finally:
                self._at = now
                self._lock.release()
        return self._value


def freshness(request: Request) -> dict[str, Any]:
    """What the footer shows: catalogue version, built at, last refresh attempt and its result."""
    state = request.app.state
    cache: _StatusCache | None = getattr(state, "pages_status", None)
    if cache is None:
        cache = state.pages_status = _StatusCache(state.holder.reload_seconds)
    snap = state.holder.snapshot
    last = cache.get(state.holder.store).get("last_refresh") or {}
    return {
        "catalog_version": snap.id,
        "built_at": snap.created_at,
        "images": len(snap.images),
        "last_refresh_at": last.get("at"),
        "last_refresh_outcome": last.get("outcome"),
        "last_refresh_reason": last.get("reason"),
    }


def page(
    request: Request,
    template: str,
    build: Callable[[], Context | tuple[int, Context]],
    *,
    status: int = 200,
    today: date | None = None,
) -> Response:
    """Render ``template`` with ``build()``'s context, or answer 304 when the client has this page.

    ``build`` is called only when the page must be rendered; it returns the template context,
    or ``(status, context)`` to override the status (an error page).
    """
    state = request.app.state
    today = today or datetime.now(UTC).date()
    foot = freshness(request)
    etag_src = json.dumps(
        [template, request.url.path, request.url.query, today.isoformat(), foot, _TEMPLATES_FP],
        sort_keys=True,
    )
    etag = '"' + hashlib.sha256(etag_src.encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": state.cache_control, "Content-Security-Policy": CSP}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    built = build()
    if isinstance(built, tuple):
        status, context = built
    else:
        context = built
    if "error" in context:
        template = "error.html"
    html = _env.get_template(template).render(**context, foot=foot, today=today, path=request.url.path)
    if status != 200:  # an error page is not cached as if it were the answer
        headers = {"Content-Security-Policy": CSP}
    return HTMLResponse(html, status_code=status, headers=headers)
