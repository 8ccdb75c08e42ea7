"""FastAPI dependencies as ``Annotated`` aliases (tests override ``get_holder``).

They are ``async``: FastAPI runs plain ``def`` dependencies in its thread pool, which a slow
store read elsewhere could fill; these only read memory.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from smcat.catalog.models import Snapshot
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings

__all__ = ["HolderDep", "SettingsDep", "SnapshotDep", "get_holder", "get_settings"]


async def get_holder(request: Request) -> CatalogHolder:
    holder: CatalogHolder = request.app.state.holder
    return holder


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_snapshot(holder: Annotated[CatalogHolder, Depends(get_holder)]) -> Snapshot:
    return holder.snapshot


HolderDep = Annotated[CatalogHolder, Depends(get_holder)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
