"""``smcat.resolve``: ``smcat.catalog.resolve.resolve`` over the default store, whatever its location.

``catalog`` cannot open ``s3://`` stores (it never imports boto3), so ``resolve()`` here picks
the store explicitly (``smcat.storage.open_any_store``: a directory or ``$SMCAT_CATALOG=s3://...``)
and passes its current snapshot on. The snapshot stays in memory and the pointer is re-read at
most once a second (``reload()`` forces it), so a call costs what a call with ``snapshot=`` costs.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from smcat.catalog.models import Snapshot
from smcat.catalog.resolve import Resolution
from smcat.catalog.resolve import resolve as _resolve

if TYPE_CHECKING:  # pragma: no cover - the store is imported by the first call, not by the import
    from smcat.catalog.store import CurrentSnapshot

__all__ = ["current_snapshot", "reload", "resolve"]

#: (``$SMCAT_CATALOG``, ``$XDG_DATA_HOME``, ``$SMCAT_LOCK_DIR``) -> that store's current snapshot.
_CURRENT: dict[tuple[str | None, ...], CurrentSnapshot] = {}


def current_snapshot(catalog_version: str | None = None) -> Snapshot:
    """The default store's snapshot: ``catalog_version`` (id, prefix, hash or date), else the current one."""
    env = os.environ
    key = (env.get("SMCAT_CATALOG"), env.get("XDG_DATA_HOME"), env.get("SMCAT_LOCK_DIR"))
    cur = _CURRENT.get(key)
    if cur is None:
        from smcat.catalog.store import CurrentSnapshot
        from smcat.storage import open_any_store

        cur = _CURRENT.setdefault(key, CurrentSnapshot(open_any_store()))
    return cur.get() if catalog_version is None else cur.store.load(catalog_version)


def reload() -> None:
    """Make the next ``resolve()`` without ``snapshot=`` re-read the store's pointer now."""
    for cur in list(_CURRENT.values()):
        cur.reload()


@functools.wraps(_resolve)
def resolve(
    framework: str,
    version: str = "latest",
    region: str | None = None,
    *,
    snapshot: Snapshot | None = None,
    catalog_version: str | None = None,
    **kwargs: Any,
) -> Resolution:
    if snapshot is None:
        snapshot = current_snapshot(catalog_version)
    return _resolve(framework, version, region, snapshot=snapshot, **kwargs)
