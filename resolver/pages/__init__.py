"""Pages people look at: the catalogue in HTML, its feeds (Atom, iCalendar) and offline API docs.

Everything a page needs is served by smcat itself (templates, stylesheet, a few lines of
script, Swagger UI and ReDoc assets from the ``fastapi-offline`` package): no CDN, so the
pages work on a closed network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> tuple[APIRouter, ...]:
    """The routers to include in the app: pages, feeds and the offline API docs."""
    from smcat.pages import docs, feeds, routes

    return (routes.router, feeds.router, docs.router)
