"""``GET /healthz``: is the service serving, which catalogue version, and how fresh its sources are."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from resolver.deps import HolderDep, SettingsDep

router = APIRouter(tags=["health"])


def _age_hours(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round((now - t).total_seconds() / 3600, 2)


@router.get("/healthz")
async def healthz(holder: HolderDep, settings: SettingsDep) -> JSONResponse:
    """Serving status (``degraded`` past the age limit, still serving) and per-source freshness."""
    snap = holder.snapshot
    now = datetime.now(UTC)
    age = _age_hours(snap.created_at, now)
    status = "ok" if age is not None and age <= settings.stale_after_hours else "degraded"
    sources = {
        name: {**info, "age_hours": _age_hours(info.get("fetched_at"), now)}
        for name, info in sorted(snap.sources.items())
    }
    return JSONResponse(
        {
            "status": status,
            "catalog_version": snap.id,
            "catalog_created_at": snap.created_at,
            "catalog_age_hours": age,
            "stale_after_hours": settings.stale_after_hours,
            "images": len(snap.images),
            "sources": sources,
        }
    )
