"""The FastAPI service: ``create_app()`` wires settings, the catalogue holder, routers and error bodies."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from catalog.errors import SmcatError
from catalog.store import open_store
from resolver.catalog_holder import CatalogHolder
from resolver.http_errors import error_response
from resolver.routes import catalog, frameworks, health, image
from resolver.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, holder: CatalogHolder | None = None) -> FastAPI:
    """Build the service. ``holder`` lets tests serve a catalogue of their own."""
    settings = settings or Settings()
    app = FastAPI(
        title="smcat",
        summary="Which SageMaker prebuilt container image runs this model, here?",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.holder = holder or CatalogHolder(
        open_store(settings.catalog), reload_seconds=settings.reload_seconds
    )
    app.state.image_cache = {}  # (catalogue version, query string) -> (status, body, etag)
    app.state.cache_control = f"public, max-age={settings.cache_max_age}"
    for r in (image.router, frameworks.router, catalog.router, health.router):
        app.include_router(r)

    @app.exception_handler(SmcatError)
    async def smcat_error(_: Request, exc: SmcatError) -> JSONResponse:
        status, body = error_response(exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_params(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {}
        field = str(first.get("loc", ["", ""])[-1])
        msg = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errs)
        return JSONResponse(
            {"error": "invalid_query", "message": msg, "field": field, "valid": []}, status_code=422
        )

    return app
