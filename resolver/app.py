"""The FastAPI service: ``create_app()`` wires settings, the catalogue holder, routers and error bodies."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from catalog.errors import InvalidQuery, NoMatch, SmcatError, SnapshotNotFound
from catalog.store import open_store
from resolver.catalog_holder import CatalogHolder
from resolver.routes import catalog, frameworks, health, image
from resolver.settings import Settings

__all__ = ["create_app"]


def _error(status: int, kind: str, exc: Exception, **extra) -> JSONResponse:
    return JSONResponse({"error": kind, "message": str(exc), **extra}, status_code=status)


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
    for r in (image.router, frameworks.router, catalog.router, health.router):
        app.include_router(r)

    @app.exception_handler(InvalidQuery)
    async def invalid(_: Request, exc: InvalidQuery) -> JSONResponse:
        return _error(422, "invalid_query", exc, field=exc.field or None, valid=exc.valid)

    @app.exception_handler(NoMatch)
    async def no_match(_: Request, exc: NoMatch) -> JSONResponse:
        return _error(404, "no_match", exc, suggestions=exc.suggestions)

    @app.exception_handler(SnapshotNotFound)
    async def no_version(_: Request, exc: SnapshotNotFound) -> JSONResponse:
        return _error(404, "catalog_version_not_found", exc)

    @app.exception_handler(SmcatError)
    async def other(_: Request, exc: SmcatError) -> JSONResponse:
        return _error(500, type(exc).__name__, exc)

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
