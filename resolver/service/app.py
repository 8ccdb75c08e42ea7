"""The FastAPI service: ``create_app()`` wires settings, the catalogue holder, routers and error bodies."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from smcat.catalog.errors import SmcatError
from smcat.pages import routers as page_routers
from smcat.service.byte_cache import ByteLRU
from smcat.service.headers import SecurityHeaders, securing
from smcat.service.holder import CatalogHolder
from smcat.service.http_errors import ApiError, error_response, problem, problem_response
from smcat.service.refresh_jobs import RefreshJobs, fetcher_factory
from smcat.service.routes import catalog, frameworks, health, image, refresh
from smcat.service.settings import Settings
from smcat.storage import open_any_store

__all__ = ["Service", "create_app"]


class Service(FastAPI):
    """The FastAPI app, answering ``GET /image`` (the hot path) before the generic layers.

    FastAPI's per-request machinery (error and exception middleware, telemetry, body limit,
    routing, dependency solving) costs more than resolving and serialising an answer. A
    ``GET /image`` therefore goes straight to ``smcat.service.routes.image.get_image``, with the same
    security headers (``smcat.service.headers.secure``). Every other request, and any ``GET /image`` whose
    handler raises (a bug: it is run again through the full stack, which answers the usual 500
    problem document), takes the normal path. The handler has no side effects but its caches.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/image" and scope["method"] == "GET":
            scope["app"] = self
            try:
                response = await image.get_image(Request(scope, receive))
            except Exception:
                await super().__call__(scope, receive, send)
                return
            await response(scope, receive, securing(send))
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, *, holder: CatalogHolder | None = None) -> FastAPI:
    """Build the service. ``holder`` lets tests serve a catalogue of their own.

    Raises (pydantic ``ValidationError``) when the settings are unsafe, e.g. the refresh
    endpoint is enabled without a strong ``SMCAT_ADMIN_TOKEN``: the service does not start.
    The holder polls its store in a background thread while the app runs (its lifespan).
    """
    settings = settings or Settings()
    holder = holder or CatalogHolder(
        open_any_store(settings.catalog, lock_dir=settings.lock_dir), reload_seconds=settings.reload_seconds
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        holder.freeze_catalogue()  # before the first request: no ~50 ms full GC pauses later
        holder.start()
        try:
            yield
        finally:
            holder.stop()

    app = Service(
        title="smcat",
        summary="Which SageMaker prebuilt container image runs this model, here?",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from smcat.pages.docs, with local assets (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.refresh_jobs = _refresh_jobs(settings, holder) if settings.refresh_enabled else None
    # answers of /image and /catalog/diff, bounded by bytes
    answers: ByteLRU[tuple[object, ...]] = ByteLRU(int(settings.answer_cache_mb * 1024 * 1024))
    app.state.image_cache = answers
    app.state.cache_control = f"public, max-age={settings.cache_max_age}"
    for r in (image.router, frameworks.router, catalog.router, refresh.router, health.router):
        app.include_router(r)
    for r in page_routers():  # HTML pages, feeds, offline /docs and /redoc (resolver/pages)
        app.include_router(r)
    app.add_middleware(SecurityHeaders)

    _add_error_handlers(app)
    return app


_ROUTES = "/image, /frameworks, /frameworks/{framework}, /regions, /catalog/versions, /catalog/diff, /healthz"
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def _add_error_handlers(app: FastAPI) -> None:
    """Every error, from any route or none, is an RFC 9457 problem document."""

    @app.exception_handler(SmcatError)
    async def smcat_error(_: Request, exc: SmcatError) -> Response:
        return problem_response(error_response(exc)[1])

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return problem_response(exc.body, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_params(_: Request, exc: RequestValidationError) -> Response:
        # pydantic's messages name the rule and limit ("at most 128 characters"), never the input
        errs = exc.errors()
        first = errs[0] if errs else {}
        field = str(first.get("loc", ["", ""])[-1])[:40]
        msg = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))[:40]}: {e['msg']}" for e in errs[:5])
        return problem_response(problem(422, "invalid_query", msg, field=field, valid=[]))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path if len(request.url.path) <= 100 else request.url.path[:100] + "..."
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"No route {path!r}. Routes: {_ROUTES} (documented at /docs)."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {path!r}."
        else:
            message = str(exc.detail)
        body = problem(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), message)
        return problem_response(body, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:  # logged by the server as well
        return problem_response(problem(500, "internal_error", "Unexpected error; it has been logged."))


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
