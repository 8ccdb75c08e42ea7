"""``GET /frameworks``, ``GET /frameworks/{framework}``, ``GET /regions``: what the catalogue holds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from smcat.catalog.limits import MAX_VALUE_CHARS
from smcat.catalog.models import Snapshot
from smcat.catalog.names import dns_suffix, known_regions, partition_of
from smcat.catalog.resolve import framework_info, list_frameworks
from smcat.service.deps import SnapshotDep
from smcat.service.routes.cached import NOT_MODIFIED, cached_json
from smcat.service.schemas import ErrorBody

router = APIRouter(tags=["catalogue contents"])


@router.get("/frameworks", response_model=None, responses=NOT_MODIFIED)
async def frameworks(request: Request, snapshot: SnapshotDep) -> Response:
    """Every framework in the catalogue with its versions, scopes and processors."""
    return cached_json(request, ("frameworks", snapshot.id), lambda: list_frameworks(snapshot))


@router.get(
    "/frameworks/{framework}", response_model=None, responses={**NOT_MODIFIED, 422: {"model": ErrorBody}}
)
async def framework(
    request: Request, framework: Annotated[str, Path(max_length=MAX_VALUE_CHARS)], snapshot: SnapshotDep
) -> Response:
    """One framework: versions (oldest first), scopes, processors, python versions and regions."""
    return cached_json(
        request, ("framework", snapshot.id, framework), lambda: framework_info(snapshot, framework)
    )


@router.get("/regions", response_model=None, responses=NOT_MODIFIED)
async def regions(request: Request, snapshot: SnapshotDep) -> Response:
    """Every region with images, its partition, DNS suffix and registry accounts."""
    return cached_json(request, ("regions", snapshot.id), lambda: _regions(snapshot))


def _regions(snapshot: Snapshot) -> dict[str, Any]:
    names = known_regions()
    out: list[dict[str, Any]] = []
    for r in sorted(snapshot.regions):
        accounts = {fam: m[r] for fam, m in sorted(snapshot.registries.items()) if r in m}
        out.append(
            {
                "region": r,
                "name": names.get(r),
                "partition": partition_of(r),
                "dns_suffix": dns_suffix(r),
                "accounts": accounts,
            }
        )
    return {"catalog_version": snapshot.id, "regions": out}
