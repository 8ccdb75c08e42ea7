"""``GET /catalog/versions`` and ``GET /catalog/diff``: the catalogue's history."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from catalog.release_notes import summarize
from catalog.store import diff_snapshots
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


@router.get(
    "/diff",
    response_model=None,
    responses={
        200: {
            "content": {"text/markdown": {}},
            "description": "The diff (JSON) or a release note (Markdown).",
        },
        404: {"model": ErrorBody},
    },
)
async def diff(
    holder: HolderDep,
    from_: Annotated[str, Query(alias="from", description="older version (id, prefix, hash or date)")],
    to: Annotated[str | None, Query(description="newer version (default: current)")] = None,
    fmt: Annotated[
        Literal["json", "markdown"],
        Query(alias="format", description="json (default) or markdown (a release note)"),
    ] = "json",
) -> dict | Response:
    """Images added, removed and changed, regions added and removed, and a summary, between two versions."""
    old, new = holder.store.load(from_), holder.store.load(to)
    note = summarize(old, new)
    if fmt == "markdown":
        return PlainTextResponse(note.to_markdown(), media_type="text/markdown; charset=utf-8")
    return {**diff_snapshots(old, new).to_dict(), "summary": note.to_dict()}
