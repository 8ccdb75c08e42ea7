"""``GET /catalog/versions`` and ``GET /catalog/diff``: the catalogue's history.

``/catalog/versions`` answers from the list the background poll keeps. ``/catalog/diff`` may
need snapshots the service has not loaded: it reads the store in a small thread pool of its
own (never on the event loop, never in the pool other requests use), waits at most
``SMCAT_STORE_TIMEOUT`` seconds (503 after that), and caches diffs per version pair.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smcat.catalog.limits import MAX_VALUE_CHARS
from smcat.catalog.models import Snapshot
from smcat.catalog.release_notes import summarize
from smcat.catalog.store import Store, diff_snapshots
from smcat.service.byte_cache import ByteLRU
from smcat.service.deps import HolderDep
from smcat.service.http_errors import ApiError
from smcat.service.routes.cached import NOT_MODIFIED, cached_json, etag_of, send
from smcat.service.schemas import ErrorBody

router = APIRouter(prefix="/catalog", tags=["catalogue versions"])

#: Store reads for /catalog/diff; a blackholed store ties up at most these threads.
_STORE_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="smcat-store")


@router.get("/versions", response_model=None, responses=NOT_MODIFIED)
async def versions(request: Request, holder: HolderDep) -> Response:
    """Every catalogue version, oldest first, and the one being served (as of the last poll)."""
    body = {
        "serving": holder.snapshot.id,
        "versions": [
            {k: v for k, v in dataclasses.asdict(x).items() if k != "location"} for x in holder.versions
        ],
    }
    raw = json.dumps(body, separators=(",", ":")).encode()  # the list moves with the poll: tag the body
    return send(request, raw, etag_of("versions", hashlib.sha256(raw).hexdigest()))


#: What ``/catalog/diff`` keeps in the answer cache: (body, media type, ETag).
DiffAnswer = tuple[bytes, str, str]


def _diff(store: Store, from_: str, to: str | None, fmt: str, cache: ByteLRU[DiffAnswer]) -> DiffAnswer:
    """(body, media type, ETag) of the diff between two versions, cached per resolved pair."""
    old_id, new_id = store.resolve_version(from_), store.resolve_version(to)
    key = ("diff", old_id, new_id, fmt)
    hit = cache.get(key)
    if hit is not None:
        return hit
    old, new = store.load(old_id), store.load(new_id)
    note = summarize(old, new)
    out: DiffAnswer
    if fmt == "markdown":
        out = (note.to_markdown().encode(), "text/markdown; charset=utf-8", etag_of(*key))
    else:
        body: dict[str, Any] = {**diff_snapshots(old, new).to_dict(), "summary": note.to_dict()}
        out = (json.dumps(body).encode(), "application/json", etag_of(*key))
    cache.put(key, out, len(out[0]))
    return out


@router.get(
    "/diff",
    response_model=None,
    responses={
        200: {
            "content": {"text/markdown": {}},
            "description": "The diff (JSON) or a release note (Markdown).",
        },
        **NOT_MODIFIED,
        404: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
async def diff(
    request: Request,
    holder: HolderDep,
    from_: Annotated[
        str,
        Query(
            alias="from", max_length=MAX_VALUE_CHARS, description="older version (id, prefix, hash or date)"
        ),
    ],
    to: Annotated[
        str | None, Query(max_length=MAX_VALUE_CHARS, description="newer version (default: current)")
    ] = None,
    fmt: Annotated[
        Literal["json", "markdown"],
        Query(alias="format", description="json (default) or markdown (a release note)"),
    ] = "json",
) -> Response:
    """Images added, removed and changed, regions added and removed, and a summary, between two versions."""
    state = request.app.state
    timeout = state.settings.store_timeout
    job = asyncio.get_running_loop().run_in_executor(
        _STORE_POOL, _diff, holder.store, from_, to, fmt, state.image_cache
    )
    try:
        body, media_type, etag = await asyncio.wait_for(job, timeout)
    except TimeoutError:
        raise ApiError(
            503,
            "store_timeout",
            f"The catalogue store did not answer within {timeout:g} s (SMCAT_STORE_TIMEOUT); "
            "try again later. /image keeps answering from the catalogue in memory.",
            headers={"Retry-After": "5"},
        ) from None
    return send(request, body, etag, media_type)


@router.get("/conflicts", response_model=None, responses=NOT_MODIFIED)
async def conflicts(request: Request, holder: HolderDep) -> Response:
    """Facts the sources disagree on in the served catalogue: every claim, the one kept and why."""
    snap = holder.snapshot
    return cached_json(request, ("conflicts", snap.id), lambda: _conflicts(snap))


def _conflicts(snap: Snapshot) -> dict[str, Any]:
    found = [c.to_dict() for c in snap.conflicts]
    kinds: dict[str, int] = {}
    for c in snap.conflicts:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    return {"catalog_version": snap.id, "counts": dict(sorted(kinds.items())), "conflicts": found}
