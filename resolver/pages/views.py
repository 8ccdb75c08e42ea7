"""What the pages show, computed from a snapshot: pure functions, no HTML.

Resolution and framework facts come from ``smcat.catalog.resolve`` (``list_frameworks``,
``framework_info``); this module only folds records into rows for people to read. Anything
that depends on the snapshot alone is cached per snapshot id (a version never changes).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from smcat.catalog.models import Conflict, ImageRecord, Snapshot
from smcat.catalog.names import FRAMEWORK_ALIASES, known_regions, partition_of
from smcat.catalog.resolve import framework_info, list_frameworks
from smcat.catalog.versions import sort_key

__all__ = [
    "SOON_DAYS",
    "FrameworkRow",
    "VersionRow",
    "framework_rows",
    "lifecycle_status",
    "region_groups",
    "region_view",
    "version_rows",
    "winning_claim",
]

#: "ends within N days" in the status badge (the same horizon as ``smcat eol``'s default).
SOON_DAYS = 90

#: status -> label shown in the badge.
STATUS_LABELS = {
    "supported": "supported",
    "soon": f"ends within {SOON_DAYS} days",
    "past": "past end of patch",
    "unknown": "unknown",
}


_F = TypeVar("_F", bound=Callable[..., Any])


def _per_snapshot(size: int) -> Callable[[_F], _F]:
    """Cache a ``f(snapshot, *args)`` by snapshot id (snapshots are immutable; hashing one is slow)."""

    def wrap(f: _F) -> _F:
        cache: dict[tuple[object, ...], object] = {}
        lock = threading.Lock()

        def cached(snapshot: Snapshot, *args: object) -> object:
            key = (snapshot.id, *args)
            hit = cache.get(key, cache)
            if hit is cache:
                hit = f(snapshot, *args)
                with lock:
                    if len(cache) >= size:
                        del cache[next(iter(cache))]
                    cache[key] = hit
            return hit

        cached.__doc__ = f.__doc__
        return cast(_F, cached)  # same positional signature as ``f``

    return wrap


@dataclass(frozen=True, slots=True)
class FrameworkRow:
    """One framework on the front page."""

    name: str
    aliases: tuple[str, ...]
    scopes: tuple[str, ...]
    latest_version: str
    version_count: int
    images: int


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One framework version in a framework's table (its images folded)."""

    version: str
    scopes: tuple[str, ...]
    processors: tuple[str, ...]
    arches: tuple[str, ...]
    py_versions: tuple[str, ...]
    ga: str | None
    eop: str | None
    images: int


def lifecycle_status(eop: str | None, today: date) -> str:
    """``supported``, ``soon`` (within ``SOON_DAYS``), ``past`` (past end of patch) or ``unknown``."""
    if not eop:
        return "unknown"
    try:
        days = (date.fromisoformat(eop) - today).days
    except ValueError:  # a date a source wrote that we cannot read: not a lifecycle fact
        return "unknown"
    return "past" if days < 0 else "soon" if days <= SOON_DAYS else "supported"


def _aliases() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for alias, name in FRAMEWORK_ALIASES.items():
        out[name].append(alias)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@_per_snapshot(8)
def _framework_rows(snapshot: Snapshot) -> tuple[FrameworkRow, ...]:
    counts: dict[str, int] = defaultdict(int)
    for r in snapshot.images:
        counts[r.framework] += 1
    aliases = _aliases()
    return tuple(
        FrameworkRow(
            name=fw,
            aliases=aliases.get(fw, ()),
            scopes=tuple(info["image_scopes"]),
            latest_version=info["latest_version"],
            version_count=info["version_count"],
            images=counts[fw],
        )
        for fw, info in list_frameworks(snapshot)["frameworks"].items()
    )


def framework_rows(snapshot: Snapshot) -> tuple[FrameworkRow, ...]:
    """Every framework with its aliases and image count, by name."""
    return _framework_rows(snapshot)


@_per_snapshot(256)
def _version_rows(snapshot: Snapshot, framework: str) -> tuple[dict[str, Any], tuple[VersionRow, ...]]:
    info = framework_info(snapshot, framework)  # canonical name, or InvalidQuery naming what exists
    by_version: dict[str, list[ImageRecord]] = defaultdict(list)
    for r in snapshot.images:
        if r.framework == info["framework"]:
            by_version[r.version].append(r)
    py_rank = {py: i for i, py in enumerate(info["py_versions"])}  # framework_info's order
    rows: list[VersionRow] = []
    for v in sorted(by_version, key=sort_key, reverse=True):
        recs = by_version[v]
        gas = [r.ga for r in recs if r.ga]
        eops = [r.eop for r in recs if r.eop]
        rows.append(
            VersionRow(
                version=v,
                scopes=tuple(sorted({r.image_scope for r in recs})),
                processors=tuple(sorted({r.processor for r in recs})),
                arches=tuple(sorted({r.arch for r in recs})),
                py_versions=tuple(
                    sorted({r.py_version for r in recs if r.py_version}, key=py_rank.__getitem__)
                ),
                ga=min(gas) if gas else None,
                eop=max(eops) if eops else None,
                images=len(recs),
            )
        )
    return info, tuple(rows)


def version_rows(snapshot: Snapshot, framework: str) -> tuple[dict[str, Any], tuple[VersionRow, ...]]:
    """``framework_info`` for ``framework`` and its versions, newest first by version order.

    A version's GA is its earliest image's, its end of patch its latest image's (the version
    still gets patches while any of its images does).
    """
    return _version_rows(snapshot, framework)


@_per_snapshot(8)
def _region_counts(snapshot: Snapshot) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for r in snapshot.images:
        for region in r.accounts:
            counts[region] += 1
    return dict(counts)


def region_groups(snapshot: Snapshot) -> list[tuple[str, list[tuple[str, str | None, int]]]]:
    """Regions with images grouped by partition (``aws`` first): (partition, [(code, name, images)])."""
    names = known_regions()
    counts = _region_counts(snapshot)
    groups: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
    for code in sorted(counts):
        groups[partition_of(code)].append((code, names.get(code), counts[code]))
    return sorted(groups.items(), key=lambda kv: (kv[0] != "aws", kv[0]))


@_per_snapshot(256)
def region_view(snapshot: Snapshot, region: str) -> dict[str, Any] | None:
    """Frameworks and versions published in ``region`` and the account per registry family, or None."""
    versions: dict[str, set[str]] = defaultdict(set)
    for r in snapshot.images:
        if region in r.accounts:
            versions[r.framework].add(r.version)
    if not versions:
        return None
    return {
        "region": region,
        "name": known_regions().get(region),
        "partition": partition_of(region),
        "accounts": {fam: m[region] for fam, m in sorted(snapshot.registries.items()) if region in m},
        "frameworks": [(fw, sorted(vs, key=sort_key, reverse=True)) for fw, vs in sorted(versions.items())],
    }


_REGISTRY_SUBJECT = re.compile(r"^(?P<family>\S+) registry in (?P<region>\S+)$")


def winning_claim(snapshot: Snapshot, conflict: Conflict) -> str | None:
    """The value the catalogue kept for a conflict.

    A region-table conflict (``dlc registry in il-central-1``) is won by the account the
    snapshot's registries hold; an image conflict keeps the value the image already had,
    which the merge lists first.
    """
    m = _REGISTRY_SUBJECT.match(conflict.subject)
    if m:
        return snapshot.registries.get(m["family"], {}).get(m["region"])
    return conflict.claims[0][0] if conflict.claims else None
