"""Snapshot <-> JSON: sorted, indented, with shared account maps and provenance interned.

Interning keeps the file and the loaded catalogue small: thousands of images share a few
dozen region -> account maps and a few hundred provenance entries, and on load they share
the same Python objects too. The content hash ignores fetch times, so an unchanged upstream
gives the same hash (and no new version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from types import MappingProxyType

from catalog.errors import CatalogError
from catalog.models import Conflict, ImageRecord, Provenance, Snapshot

__all__ = ["FORMAT", "content_hash", "dumps", "loads", "record_to_dict"]

FORMAT = "smcat-snapshot/1"

_OPTIONAL = (
    "py_version",
    "cuda",
    "os",
    "platform",
    "registry_family",
    "ga",
    "eop",
    "base_framework",
    "base_framework_version",
    "variant",
)


def record_to_dict(r: ImageRecord, *, with_fetch_times: bool = True) -> dict:
    """A record as plain JSON data (accounts and provenance inline)."""
    d: dict = {
        "framework": r.framework,
        "version": r.version,
        "image_scope": r.image_scope,
        "processor": r.processor,
        "repository": r.repository,
        "arch": r.arch,
        "tags": list(r.tags),
        "accounts": dict(sorted(r.accounts.items())),
    }
    for k in _OPTIONAL:
        v = getattr(r, k)
        if v is not None:
            d[k] = v
    if r.extra:
        d["extra"] = dict(r.extra)
    if r.derived_tags:
        d["derived_tags"] = True
    if r.sdk_tags:
        d["sdk_tags"] = dict(r.sdk_tags)
    if r.also_known_as:
        d["also_known_as"] = list(r.also_known_as)
    prov = []
    for p in r.provenance:
        pd = p.to_dict()
        if not with_fetch_times:
            pd.pop("fetched_at", None)
        prov.append(pd)
    d["provenance"] = prov
    return d


def _content_payload(images: list[ImageRecord], registries: Mapping, conflicts) -> bytes:
    body = {
        "images": [record_to_dict(r, with_fetch_times=False) for r in images],
        "registries": {k: dict(sorted(v.items())) for k, v in sorted(registries.items())},
        "conflicts": [c.to_dict() for c in conflicts],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def content_hash(images: list[ImageRecord], registries: Mapping, conflicts) -> str:
    """sha256 of the snapshot's facts, fetch times excluded."""
    return hashlib.sha256(_content_payload(images, registries, conflicts)).hexdigest()


def dumps(snap: Snapshot) -> str:
    """Serialise a snapshot (images sorted by key) as indented, sorted JSON."""
    maps: dict[str, int] = {}
    map_list: list[dict] = []
    provs: dict[str, int] = {}
    prov_list: list[dict] = []
    images = []
    for r in sorted(snap.images, key=lambda r: r.key):
        d = record_to_dict(r)
        acc = json.dumps(d.pop("accounts"), sort_keys=True)
        if acc not in maps:
            maps[acc] = len(map_list)
            map_list.append(json.loads(acc))
        d["accounts"] = maps[acc]
        idx = []
        for p in d.pop("provenance"):
            pk = json.dumps(p, sort_keys=True)
            if pk not in provs:
                provs[pk] = len(prov_list)
                prov_list.append(p)
            idx.append(provs[pk])
        d["provenance"] = idx
        images.append(d)
    doc = {
        "format": FORMAT,
        "id": snap.id,
        "created_at": snap.created_at,
        "content_hash": snap.content_hash,
        "sources": snap.sources,
        "registries": {k: dict(sorted(v.items())) for k, v in sorted(snap.registries.items())},
        "conflicts": [c.to_dict() for c in snap.conflicts],
        "account_maps": map_list,
        "provenance": prov_list,
        "images": images,
    }
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def loads(text: str, *, origin: str = "<snapshot>") -> Snapshot:
    """Parse a snapshot file; a torn or foreign file raises CatalogError naming ``origin``."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogError(
            f"Catalogue snapshot {origin} is not valid JSON ({e}); it may be torn or "
            "hand-edited. Pick another version with 'smcat catalog versions'."
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CatalogError(f"{origin} is not an smcat snapshot (expected format {FORMAT!r}).")
    try:
        maps = [MappingProxyType(m) for m in doc["account_maps"]]
        provs = [Provenance.from_dict(p) for p in doc["provenance"]]
        images = []
        for d in doc["images"]:
            extra = d.get("extra")
            images.append(
                ImageRecord(
                    framework=d["framework"],
                    version=d["version"],
                    image_scope=d["image_scope"],
                    processor=d["processor"],
                    repository=d["repository"],
                    tags=tuple(d["tags"]),
                    arch=d.get("arch", "x86_64"),
                    accounts=maps[d["accounts"]],
                    extra=tuple(extra.items()) if extra else (),
                    derived_tags=d.get("derived_tags", False),
                    sdk_tags=tuple(sorted(d["sdk_tags"].items())) if d.get("sdk_tags") else (),
                    also_known_as=tuple(d.get("also_known_as", ())),
                    provenance=tuple(provs[i] for i in d["provenance"]),
                    **{k: d.get(k) for k in _OPTIONAL},
                )
            )
        conflicts = tuple(
            Conflict(
                c["subject"],
                c["field"],
                tuple((x["value"], x["url"]) for x in c["claims"]),
                winner=c.get("winner"),
                reason=c.get("reason", ""),
            )
            for c in doc.get("conflicts", ())
        )
        return Snapshot(
            id=doc["id"],
            created_at=doc["created_at"],
            images=tuple(images),
            sources=doc.get("sources", {}),
            registries=doc.get("registries", {}),
            conflicts=conflicts,
            content_hash=doc.get("content_hash", ""),
        )
    except (KeyError, IndexError, TypeError) as e:
        raise CatalogError(f"Catalogue snapshot {origin} is malformed ({type(e).__name__}: {e}).") from None
