"""``GET /catalog/versions`` and ``GET /catalog/diff``: the catalogue's history."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query

from resolver.deps import HolderDep
from resolver.schemas import ErrorBody

router = APIRouter(prefix="/catalog", tags=["catalogue versions"])


@router.get("/versions")
async def versions(holder: HolderDep) -> dict:
    """Every catalogue version, oldest first, and the one being served."""
    vs = holder.store.versions()
    return {
        "serving": holder.snapshot.id,
        "versions": [{k: v for k, v in dataclasses.asdict(x).items() if k != "location"} for x in vs],
    }


@router.get("/diff", responses={404: {"model": ErrorBody}})
async def diff(
    holder: HolderDep,
    from_: Annotated[str, Query(alias="from", description="older version (id, prefix, hash or date)")],
    to: Annotated[str | None, Query(description="newer version (default: current)")] = None,
) -> dict:
    """Images added, removed and changed, and regions added and removed, between two versions."""
    return holder.store.diff(from_, to).to_dict()
