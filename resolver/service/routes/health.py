"""``GET /healthz``: is the service serving, which catalogue version, and how fresh its sources are.

Probe ``ready`` (readiness: true whenever a valid catalogue is served, stale or not, so a
stale catalogue never takes replicas out of a load balancer) and alert on ``status``
(``ok`` / ``degraded``). ``summary`` says in one sentence what is served (e.g. "shipped
snapshot built 2026-11-24, never refreshed here") and ``next_steps`` what to do about it.

Always 200 while a catalogue is served: ``status`` is ``degraded`` (with ``reasons``) when the
newest successful refresh is older than ``SMCAT_STALE_AFTER_HOURS`` (the catalogue's own
creation time when no refresh ever ran here), or when the last refresh failed or was refused.
The service keeps serving the last good catalogue either way.

``/healthz`` never calls the store: it reports what the background poll last saw
(``poll``), and ``degraded`` when that poll failed or is stuck. Reasons and recorded errors
are shown without local file paths (``<path>``), which are the operator's business, not the caller's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from smcat.catalog.models import Snapshot
from smcat.catalog.times import age_seconds
from smcat.service.deps import HolderDep, SettingsDep
from smcat.service.holder import CatalogHolder

router = APIRouter(tags=["health"])

#: What ``status.json`` records per source (see ``smcat.scrapers.refresh.record_status``).
_FRESHNESS = ("last_attempt", "last_success", "last_change", "last_status", "error")


#: An absolute local path (``/var/lib/...``, ``C:\\...``, ``~/...``) inside a message; URLs are kept.
_PATH_RE = re.compile(r"(?<![\w:/])(?:~|[A-Za-z]:\\|/)[^\s'\",;:()]*")


_T = TypeVar("_T")


@overload
def redact_paths(text: str) -> str: ...
@overload
def redact_paths(text: _T) -> _T: ...
def redact_paths(text: object) -> object:
    """``text`` with every local file path replaced by ``<path>/<file name>`` (non-strings unchanged):
    the directories are the operator's business, the file name says which document failed."""
    if not isinstance(text, str):
        return text
    return _PATH_RE.sub(
        lambda m: "<path>/" + m.group(0).rstrip("/\\").rsplit("/", 1)[-1].rsplit("\\", 1)[-1], text
    )


def _age_hours(iso: str | None, now: datetime) -> float | None:
    seconds = age_seconds(iso, now)
    return None if seconds is None else round(seconds / 3600, 2)


#: What to do when the catalogue is older than the limit (the README's section names the schedulers).
_REFRESH_STEP = (
    "run 'smcat refresh --catalog <the catalogue this service reads>' on a schedule "
    "(cron, Kubernetes CronJob, EventBridge: README 'Keeping the catalogue fresh'); "
    "replicas pick up a new version without a restart"
)


def _summary(snap: Snapshot, origin: str | None, last_ok: str | None, age: float | None) -> str:
    what = "shipped snapshot" if origin == "shipped" else "catalogue version"
    built = (snap.created_at or "?")[:10]
    refreshed = f"last refreshed here {last_ok}" if last_ok else "never refreshed here"
    return (
        f"serving the {what} {snap.id}, built {built} ({age if age is not None else '?'} h old), {refreshed}"
    )


def freshness(
    snap: Snapshot,
    status: Mapping[str, Any],
    stale_after_hours: float,
    now: datetime,
    *,
    origin: str | None = None,
) -> dict[str, Any]:
    """The health document for ``snap`` and the store's ``status.json`` contents at ``now``.

    ``origin`` is ``shipped`` when ``snap`` is the snapshot shipped inside smcat, ``store`` when
    it was published into the catalogue the service reads (None: unknown)."""
    recorded = status.get("sources", {})
    sources: dict[str, dict[str, Any]] = {}
    for name in sorted(set(snap.sources) | set(recorded)):
        info = dict(snap.sources.get(name, {}))
        info["age_hours"] = _age_hours(info.get("fetched_at"), now)
        rec = recorded.get(name, {})
        info.update({k: redact_paths(rec.get(k)) for k in _FRESHNESS})
        sources[name] = info
    last_refresh = status.get("last_refresh")
    if isinstance(last_refresh, dict):
        last_refresh = {k: redact_paths(v) for k, v in last_refresh.items()}
    last_ok = status.get("last_successful_refresh")
    basis = last_ok or snap.created_at
    ok_age = _age_hours(basis, now)
    reasons: list[str] = []
    steps: list[str] = []
    if ok_age is None or ok_age > stale_after_hours:
        if last_ok:
            what = "successful refresh"
        elif origin == "shipped":
            what = f"catalogue is the shipped snapshot built {(snap.created_at or '?')[:10]}; it"
        else:
            what = "catalogue version (no refresh has run here)"
        reasons.append(
            f"the newest {what} is {ok_age if ok_age is not None else '?'} h old "
            f"(limit {stale_after_hours:g} h, SMCAT_STALE_AFTER_HOURS)"
            + ("; no refresh has run here" if origin == "shipped" and not last_ok else "")
        )
        steps.append(_REFRESH_STEP)
    if last_refresh and last_refresh.get("outcome") not in ("published", "unchanged"):
        reasons.append(
            f"the last refresh at {last_refresh.get('at')} was {last_refresh.get('outcome')}: "
            f"{last_refresh.get('reason') or 'no reason recorded'}"
        )
        steps.append("read the refresh's reason ('smcat catalog status'); the next scheduled run retries")
    for name, info in sources.items():
        if info.get("last_status") == "failed":
            reasons.append(f"source {name} is failing since {info.get('last_attempt')}: {info.get('error')}")
    return {
        "ready": True,  # a valid catalogue is served (a stale one too): readiness probes read this
        "status": "degraded" if reasons else "ok",
        "summary": _summary(snap, origin, last_ok, _age_hours(snap.created_at, now)),
        "reasons": [redact_paths(r) for r in reasons],
        "next_steps": list(dict.fromkeys(steps)),
        "catalog_origin": origin,
        "catalog_version": snap.id,
        "catalog_created_at": snap.created_at,
        "catalog_age_hours": _age_hours(snap.created_at, now),
        "stale_after_hours": stale_after_hours,
        "last_refresh": last_refresh,
        "last_successful_refresh": last_ok,
        "last_successful_refresh_age_hours": _age_hours(last_ok, now),
        "images": len(snap.images),
        "sources": sources,
    }


def origin_of(holder: CatalogHolder) -> str | None:
    """``shipped``: the served snapshot is the one inside smcat; ``store``: published here; None: unlisted."""
    snap_id = holder.snapshot.id
    for v in holder.versions:
        if v.id == snap_id:
            return "shipped" if v.shipped else "store"
    return None


@router.get("/healthz")
async def healthz(holder: HolderDep, settings: SettingsDep) -> JSONResponse:
    """Readiness (``ready``), alerting status (``ok``/``degraded`` with reasons) and per-source freshness.

    Never cached (``Cache-Control: no-store``, no ETag): ages change every second and a probe
    must see the live state."""
    status = holder.status if isinstance(holder.status, dict) else {}
    body = freshness(
        holder.snapshot, status, settings.stale_after_hours, datetime.now(UTC), origin=origin_of(holder)
    )
    poll = holder.poll_state()
    poll["last_error"] = redact_paths(poll["last_error"])
    body["poll"] = poll
    if poll["last_error"]:
        body["status"] = "degraded"
        body["reasons"].append(f"catalogue store check failed: {poll['last_error']}")
    if not poll["running"]:
        body["status"] = "degraded"
        body["reasons"].append("the catalogue poll is not running: new versions will not be picked up")
    if holder.poll_stuck():
        body["status"] = "degraded"
        body["reasons"].append(
            f"catalogue store check has been waiting {poll['in_progress_seconds']} s for the store; "
            "serving the last good catalogue"
        )
    if poll["last_error"] or holder.poll_stuck():
        body["next_steps"].append("check that the catalogue store is reachable (the replica keeps serving)")
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
