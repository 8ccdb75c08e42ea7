"""The FastAPI service: ``create_app()`` wires settings, the catalogue holder, routers and error bodies."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from catalog.errors import SmcatError
from resolver.catalog_holder import CatalogHolder
from resolver.http_errors import error_response
from resolver.pages import routers as page_routers
from resolver.refresh_jobs import RefreshJobs, fetcher_factory
from resolver.routes import catalog, frameworks, health, image, refresh
from resolver.settings import Settings
from resolver.stores import open_any_store

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, holder: CatalogHolder | None = None) -> FastAPI:
    """Build the service. ``holder`` lets tests serve a catalogue of their own.

    Raises (pydantic ``ValidationError``) when the settings are unsafe, e.g. the refresh
    endpoint is enabled without a strong ``SMCAT_ADMIN_TOKEN``: the service does not start.
    """
    settings = settings or Settings()
    app = FastAPI(
        title="smcat",
        summary="Which SageMaker prebuilt container image runs this model, here?",
        version="0.1.0",
        docs_url=None,  # /docs and /redoc come from resolver.pages.docs, with local assets (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.holder = holder or CatalogHolder(
        open_any_store(settings.catalog, lock_dir=settings.lock_dir), reload_seconds=settings.reload_seconds
    )
    app.state.refresh_jobs = _refresh_jobs(settings, app.state.holder) if settings.refresh_enabled else None
    app.state.image_cache = {}  # (catalogue version, query string) -> (status, body, etag)
    app.state.cache_control = f"public, max-age={settings.cache_max_age}"
    for r in (image.router, frameworks.router, catalog.router, refresh.router, health.router):
        app.include_router(r)
    for r in page_routers():  # HTML pages, feeds, offline /docs and /redoc (resolver/pages)
        app.include_router(r)

    @app.exception_handler(SmcatError)
    async def smcat_error(_: Request, exc: SmcatError) -> JSONResponse:
        status, body = error_response(exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(refresh.ApiError)
    async def api_error(_: Request, exc: refresh.ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

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


def _refresh_jobs(settings: Settings, holder: CatalogHolder) -> RefreshJobs:
    """Job records beside the store's refresh lock, so every worker and process shares them."""
    store = holder.store
    lock_dir = settings.lock_dir or store.lock_dir or store.layer.default_lock_dir()
    jobs = RefreshJobs(
        store,
        Path(lock_dir) / "refresh-jobs",
        fetcher_factory(mirror=settings.refresh_mirror, http_cache=settings.http_cache),
    )
    # serve a newly published version at once in this worker (the others see it on their next check)
    jobs.on_finish = lambda record: holder.check_now()
    return jobs
