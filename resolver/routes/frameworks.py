"""``GET /frameworks``, ``GET /frameworks/{framework}``, ``GET /regions``: what the catalogue holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from catalog.limits import MAX_VALUE_CHARS
from catalog.names import dns_suffix, known_regions, partition_of
from catalog.resolve import framework_info, list_frameworks
from resolver.deps import SnapshotDep
from resolver.schemas import ErrorBody

router = APIRouter(tags=["catalogue contents"])


@router.get("/frameworks")
async def frameworks(snapshot: SnapshotDep) -> dict:
    """Every framework in the catalogue with its versions, scopes and processors."""
    return list_frameworks(snapshot)


@router.get("/frameworks/{framework}", responses={422: {"model": ErrorBody}})
async def framework(
    framework: Annotated[str, Path(max_length=MAX_VALUE_CHARS)], snapshot: SnapshotDep
) -> dict:
    """One framework: versions (oldest first), scopes, processors, python versions and regions."""
    return framework_info(snapshot, framework)


@router.get("/regions")
async def regions(snapshot: SnapshotDep) -> dict:
    """Every region with images, its partition, DNS suffix and registry accounts."""
    names = known_regions()
    out = []
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
