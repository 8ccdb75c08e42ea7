"""``GET /healthz``: is the service serving, which catalogue version, and how fresh its sources are.

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
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from catalog.times import age_seconds
from resolver.deps import HolderDep, SettingsDep

router = APIRouter(tags=["health"])

#: What ``status.json`` records per source (see ``scrapers.refresh.record_status``).
_FRESHNESS = ("last_attempt", "last_success", "last_change", "last_status", "error")


#: An absolute local path (``/var/lib/...``, ``C:\\...``, ``~/...``) inside a message; URLs are kept.
_PATH_RE = re.compile(r"(?<![\w:/])(?:~|[A-Za-z]:\\|/)[^\s'\",;:()]*")


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


def freshness(snap, status: dict, stale_after_hours: float, now: datetime) -> dict:
    """The health document for ``snap`` and the store's ``status.json`` contents at ``now``."""
    recorded = status.get("sources", {})
    sources = {}
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
    reasons = []
    if ok_age is None or ok_age > stale_after_hours:
        what = "successful refresh" if last_ok else "catalogue version (no refresh has run here)"
        reasons.append(
            f"the newest {what} is {ok_age if ok_age is not None else '?'} h old "
            f"(limit {stale_after_hours:g} h, SMCAT_STALE_AFTER_HOURS)"
        )
    if last_refresh and last_refresh.get("outcome") not in ("published", "unchanged"):
        reasons.append(
            f"the last refresh at {last_refresh.get('at')} was {last_refresh.get('outcome')}: "
            f"{last_refresh.get('reason') or 'no reason recorded'}"
        )
    for name, info in sources.items():
        if info.get("last_status") == "failed":
            reasons.append(f"source {name} is failing since {info.get('last_attempt')}: {info.get('error')}")
    return {
        "status": "degraded" if reasons else "ok",
        "reasons": [redact_paths(r) for r in reasons],
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


@router.get("/healthz")
async def healthz(holder: HolderDep, settings: SettingsDep) -> JSONResponse:
    """Serving status (``degraded`` with reasons when stale or failing) and per-source freshness."""
    status = holder.status if isinstance(holder.status, dict) else {}
    body = freshness(holder.snapshot, status, settings.stale_after_hours, datetime.now(UTC))
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
    return JSONResponse(body)
