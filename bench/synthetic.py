"""Synthetic larger catalogues for the benches: the shipped snapshot with its records multiplied.

Copy ``j`` of every record gets a distinct version (its major number plus ``1000 * j``: ``2.0.4``
-> ``1002.0.4``) and distinct tags, so the copies are new versions of the same frameworks, not
duplicates, and the snapshot's size (records, versions per framework, file bytes) grows ``factor``
times. Not a benchmark itself.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smcat.catalog import snapshot_io
from smcat.catalog.models import Snapshot
from smcat.catalog.store import make_snapshot, open_store

__all__ = ["bump", "scaled", "shipped", "write_store"]


def shipped() -> Snapshot:
    """The snapshot shipped in the package."""
    return open_store(Path("/nonexistent-smcat-bench-store")).load()


def bump(version: str, j: int) -> str:
    """``version`` with its first number raised by ``1000 * j`` (unchanged for ``j == 0``)."""
    return re.sub(r"\d+", lambda m: str(int(m.group()) + 1000 * j), version, count=1) if j else version


def scaled(snap: Snapshot, factor: int, *, hours: int = 1) -> Snapshot:
    """``snap`` with ``factor`` copies of every record (distinct versions and tags), dated ``hours`` later."""
    images = []
    for j in range(factor):
        for r in snap.images:
            if not j:
                images.append(r)
                continue
            tags = tuple(
                t.replace(r.version, bump(r.version, j), 1) + ("" if r.version in t else f"-x{j}")
                for t in r.tags
            )
            images.append(dataclasses.replace(r, version=bump(r.version, j), tags=tags, sdk_tags=()))
    when = datetime.fromisoformat(snap.created_at.replace("Z", "+00:00")).astimezone(UTC)
    return make_snapshot(
        images,
        sources=dict(snap.sources),
        registries=dict(snap.registries),
        conflicts=snap.conflicts,
        now=when.replace(microsecond=0) + timedelta(hours=hours),
    )


def write_store(root: Path, snap: Snapshot) -> Path:
    """A store directory at ``root`` whose current version is ``snap``; returns the snapshot file."""
    path = root / "snapshots" / f"{snap.id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snapshot_io.dumps(snap), "utf-8")
    (root / "CURRENT").write_text(snap.id + "\n", "utf-8")
    return path
