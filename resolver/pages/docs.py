"""``/docs`` (Swagger UI) and ``/redoc`` with their assets served by smcat, not a CDN.

The assets come from the ``fastapi-offline`` package (Swagger UI bundle and stylesheet, the
ReDoc standalone bundle), served under ``/docs-assets/``; ``create_app`` turns FastAPI's own
CDN-backed pages off (``docs_url=None, redoc_url=None``).
"""

from __future__ import annotations

import hashlib
import mimetypes
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

from smcat.service.headers import csp_for

__all__ = ["ASSETS", "router"]

router = APIRouter(include_in_schema=False)

_DIR = Path(str(resources.files("fastapi_offline").joinpath("static")))
#: name -> file: ``swagger-ui-bundle.js``, ``swagger-ui.css``, ``redoc.standalone.js``, ``favicon.png``.
ASSETS = {p.name: p for p in _DIR.iterdir() if p.is_file()}
_PREFIX = "/docs-assets"


def _local_only(page: HTMLResponse) -> HTMLResponse:
    """The pages may load nothing from elsewhere (ReDoc's bundle shows a Redocly logo from
    cdn.redoc.ly; the browser refuses it and ReDoc hides the image, its ``onError``)."""
    page.headers["Content-Security-Policy"] = csp_for(bytes(page.body).decode())
    return page


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    app = request.app
    page = get_swagger_ui_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{root}{_PREFIX}/favicon.png",
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    return _local_only(page)


@router.get("/docs/oauth2-redirect")
def swagger_redirect() -> HTMLResponse:
    return _local_only(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{_PREFIX}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{_PREFIX}/favicon.png",
        with_google_fonts=False,
    )
    return _local_only(page)


@router.get(_PREFIX + "/{name}")
def asset(name: str, request: Request) -> Response:
    path = ASSETS.get(name)
    if path is None:
        return Response(f"Not found. Files: {', '.join(sorted(ASSETS))}", status_code=404)
    etag = (
        '"'
        + hashlib.sha256(f"{path.name}{path.stat().st_mtime_ns}{path.stat().st_size}".encode()).hexdigest()[
            :32
        ]
        + '"'
    )
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), media_type=media, headers=headers)
