"""``POST /catalog/refresh`` and ``GET /catalog/refresh/{id}``: refresh the catalogue from the service.

Off (404) unless ``SMCAT_REFRESH_ENABLED=1``. Both routes need ``Authorization: Bearer <token>``
(``SMCAT_ADMIN_TOKEN``): no or malformed credentials -> 401 with ``WWW-Authenticate: Bearer``;
a wrong token -> 403 with the same body whatever was sent. Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from smcat.service.deps import SettingsDep
from smcat.service.http_errors import ApiError
from smcat.service.refresh_jobs import JobRecord, RefreshBusy, RefreshJobs

__all__ = ["ApiError", "router"]

router = APIRouter(prefix="/catalog", tags=["catalogue refresh"])


_DISABLED = ApiError(
    404, "not_found", "The refresh endpoint is disabled on this service (set SMCAT_REFRESH_ENABLED=1)."
)
_NO_CREDENTIALS = ApiError(
    401,
    "unauthorized",
    "This endpoint needs 'Authorization: Bearer <SMCAT_ADMIN_TOKEN>'.",
    headers={"WWW-Authenticate": "Bearer"},
)
_FORBIDDEN = ApiError(403, "forbidden", "Invalid credentials.")


def require_admin(request: Request, settings: SettingsDep) -> RefreshJobs:
    """The refresh jobs, once the endpoint is on and the caller holds the admin token."""
    jobs: RefreshJobs | None = getattr(request.app.state, "refresh_jobs", None)
    if not settings.refresh_enabled or jobs is None or settings.admin_token is None:
        raise _DISABLED
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise _NO_CREDENTIALS
    expected = settings.admin_token.get_secret_value().encode()
    if not hmac.compare_digest(given.strip().encode(), expected):
        raise _FORBIDDEN
    return jobs


AdminJobs = Annotated[RefreshJobs, Depends(require_admin)]


def _public(record: JobRecord) -> dict[str, Any]:
    keys = ("id", "status", "started_at", "finished_at", "progress", "report", "error")
    return {k: record.get(k) for k in keys if k != "error" or record.get(k)}


@router.post("/refresh", status_code=202)
async def start_refresh(request: Request, jobs: AdminJobs) -> JSONResponse:
    """Start a refresh in the background; 409 with the running job's id when one is already running."""
    try:
        record = jobs.start()
    except RefreshBusy as e:
        if e.job_id:
            status_url = str(request.url_for("refresh_status", job_id=e.job_id).path)
            raise ApiError(409, "refresh_running", str(e), running=e.job_id, status_url=status_url) from e
        raise ApiError(409, "refresh_running", str(e)) from e
    url = str(request.url_for("refresh_status", job_id=record["id"]).path)
    return JSONResponse(
        {"id": record["id"], "status": record["status"], "status_url": url},
        status_code=202,
        headers={"Location": url},
    )


@router.get("/refresh/{job_id}", name="refresh_status")
async def refresh_status(job_id: Annotated[str, Path(max_length=64)], jobs: AdminJobs) -> dict[str, Any]:
    """Progress (per source so far) and outcome of a refresh started by any worker."""
    record = jobs.get(job_id)
    if record is None:
        raise ApiError(404, "refresh_job_not_found", f"No refresh job {job_id!r} (records are kept a week).")
    return _public(record)
