"""Snapshot <-> JSON: sorted, indented, with shared account maps and provenance interned.

Interning keeps the file and the loaded catalogue small: thousands of images share a few
dozen region -> account maps and a few hundred provenance entries, and on load they share
the same Python objects too. The content hash ignores fetch times, so an unchanged upstream
gives the same hash (and no new version).

Every load checks a file's integrity. The full check (shape, then the content hash recomputed
from the parsed document: ~20 ms for the shipped snapshot) runs once per distinct file content:
the sha256 of the exact bytes that passed it is remembered, in this process and as an empty
marker file under ``$XDG_CACHE_HOME/smcat/verified/`` (``SMCAT_VERIFIED_CACHE=0`` turns the
markers off). A later load hashes the raw bytes (~1 ms) and skips only the parts that depend on
nothing but those bytes; the id checks always run. Changed bytes (any tampering) miss the cache
and get the full check.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, cast

import orjson

from smcat.catalog.errors import CorruptSnapshot
from smcat.catalog.gc_pause import cyclic_gc_paused
from smcat.catalog.models import (
    OPTIONAL_TEXT_FIELDS,
    Conflict,
    ImageRecord,
    ImagesSummary,
    LazyImages,
    Provenance,
    Snapshot,
    served_scopes,
)
from smcat.catalog.pacing import tick
from smcat.catalog.shapes import FORMAT, ID_PATTERN, snapshot_problem

__all__ = ["FORMAT", "content_hash", "document_hash", "dumps", "loads", "record_to_dict"]

#: The one serialisation the content hash is taken over (sorted keys, no spaces).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))

_OPTIONAL = OPTIONAL_TEXT_FIELDS


def record_to_dict(r: ImageRecord, *, with_fetch_times: bool = True) -> dict[str, Any]:
    """A record as plain JSON data (accounts and provenance inline)."""
    d: dict[str, Any] = {
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


def _content_payload(
    images: Sequence[ImageRecord], registries: Mapping[str, Mapping[str, str]], conflicts: Iterable[Conflict]
) -> bytes:
    body = {
        "images": [record_to_dict(r, with_fetch_times=False) for r in images],
        "registries": {k: dict(sorted(v.items())) for k, v in sorted(registries.items())},
        "conflicts": [c.to_dict() for c in conflicts],
    }
    return _CANONICAL.encode(body).encode()


def content_hash(
    images: Sequence[ImageRecord], registries: Mapping[str, Mapping[str, str]], conflicts: Iterable[Conflict]
) -> str:
    """sha256 of the snapshot's facts, fetch times excluded."""
    return hashlib.sha256(_content_payload(images, registries, conflicts)).hexdigest()


def dumps(snap: Snapshot) -> str:
    """Serialise a snapshot (images sorted by key) as indented, sorted JSON."""
    maps: dict[str, int] = {}
    map_list: list[dict[str, str]] = []
    provs: dict[str, int] = {}
    prov_list: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    for r in sorted(snap.images, key=lambda r: r.key):
        d = record_to_dict(r)
        acc = json.dumps(d.pop("accounts"), sort_keys=True)
        if acc not in maps:
            maps[acc] = len(map_list)
            map_list.append(json.loads(acc))
        d["accounts"] = maps[acc]
        idx: list[int] = []
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


def document_hash(doc: Mapping[str, Any]) -> str:
    """``content_hash`` computed straight from a parsed snapshot file (shape already checked).

    Gives the same bytes to sha256 as ``content_hash`` over the loaded records, without building
    them: each shared account map and provenance entry is serialised once and spliced into its
    images at its sorted key position (about 15 ms for the shipped snapshot, against 110 ms for
    ``content_hash``). A test holds the two equal on the shipped snapshot and on every field.
    """
    enc = _CANONICAL.encode
    maps = [enc(m).encode() for m in doc["account_maps"]]
    provs = [enc({k: v for k, v in p.items() if k != "fetched_at"}).encode() for p in doc["provenance"]]
    prov_lists: dict[tuple[int, ...], bytes] = {}
    h = hashlib.sha256()
    put = h.update  # pieces go straight into the hash: no 11 MB string is ever built
    put(b'{"conflicts":' + enc(doc.get("conflicts", [])).encode() + b',"images":[')
    for n, d in enumerate(doc["images"]):
        # keys sort as: those before "accounts" < "accounts" < those between < "provenance" < the rest
        before: dict[str, Any] = {}
        between: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for k, v in d.items():
            if k != "accounts" and k != "provenance":
                (before if k < "accounts" else between if k < "provenance" else after)[k] = v
        put(b",{" if n else b"{")
        if before:
            put(enc(before)[1:-1].encode() + b",")
        put(b'"accounts":')
        put(maps[d["accounts"]])
        if between:
            put(b"," + enc(between)[1:-1].encode())
        key = tuple(d["provenance"])
        joined = prov_lists.get(key)
        if joined is None:  # images share a few hundred provenance lists: join each once
            joined = prov_lists[key] = b",".join([provs[i] for i in key])
        put(b',"provenance":[')
        put(joined)
        put(b"]," + enc(after)[1:-1].encode() + b"}" if after else b"]}")
    registries = doc.get("registries", {})
    put(b'],"registries":' + enc(registries).encode() + b"}")
    return h.hexdigest()


#: Bumped whenever the checks a marker vouches for change (older markers are then ignored).
_CHECKS_VERSION = "1"
#: sha256 digests of file contents that passed the full check in this process.
_VERIFIED: set[str] = set()


def _marker(digest: str) -> Path | None:
    """The marker file vouching for ``digest`` (None when markers are turned off)."""
    if os.environ.get("SMCAT_VERIFIED_CACHE", "1").strip() == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smcat" / "verified" / f"{FORMAT.replace('/', '-')}-{_CHECKS_VERSION}-{digest}"


def _known_good(digest: str) -> bool:
    """Did these exact bytes pass the full check before (this process, or a marker)?"""
    if digest in _VERIFIED:
        return True
    marker = _marker(digest)
    if marker is not None and marker.is_file():
        _VERIFIED.add(digest)
        return True
    return False


def _remember_good(digest: str) -> None:
    """Vouch for bytes that passed the full check (a marker that cannot be written is skipped)."""
    _VERIFIED.add(digest)
    marker = _marker(digest)
    if marker is None:
        return
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only home: the check simply runs again next time
        pass


def _integrity_problem(doc: Mapping[str, Any], expect_id: str | None, *, full: bool = True) -> str | None:
    """Why ``doc``'s id and hash do not check out, or None (``full=False``: the id checks only)."""
    sid, recorded = doc["id"], doc["content_hash"]
    if expect_id is not None and sid != expect_id:
        return f"its id {sid!r} is not the version it was read as ({expect_id!r})"
    m = ID_PATTERN.match(sid)
    assert m is not None  # snapshot_problem checked the id's shape before (this run or an earlier one)
    if m["hash"] != recorded[:8]:
        return f"its id {sid!r} names hash {sid[-8:]} but its content_hash starts {recorded[:8]}"
    if not full:
        return None
    computed = document_hash(doc)
    if computed != recorded:
        return (
            f"its content does not match its content_hash (recorded {recorded[:12]}..., "
            f"computed {computed[:12]}...): it was changed after it was written"
        )
    return None


_DECODE = json.JSONDecoder().raw_decode
_WS = re.compile(r"[ \t\n\r]*")
#: ``_WS.match``: a pattern that matches the empty string never returns None (typed so).
_ws_match = cast("Callable[[str, int], re.Match[str]]", _WS.match)


def _loads_in_pieces(text: str) -> object:
    """``json.loads(text)`` for a document that is an object, its arrays decoded one element at a
    time: the same result and errors, but no single call holds the interpreter for the whole file
    (a thread parsing a large catalogue lets the event loop run between elements)."""
    ws = _ws_match
    i = ws(text, 0).end()
    if text[i : i + 1] != "{":
        return json.loads(text)
    out: dict[str, Any] = {}
    i = ws(text, i + 1).end()
    if text[i : i + 1] == "}":
        i += 1
    else:
        while True:
            if text[i : i + 1] != '"':
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
            key, i = _DECODE(text, i)
            i = ws(text, i).end()
            if text[i : i + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
            i = ws(text, i + 1).end()
            value, i = _array_in_pieces(text, i) if text[i : i + 1] == "[" else _DECODE(text, i)
            out[key] = value
            i = ws(text, i).end()
            c = text[i : i + 1]
            if c == "}":
                i += 1
                break
            if c != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
            i = ws(text, i + 1).end()
    if ws(text, i).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, i)
    return out


def _array_in_pieces(text: str, i: int) -> tuple[list[Any], int]:
    """The array starting at ``text[i] == "["``, decoded element by element, and the index after it."""
    ws = _ws_match
    items: list[Any] = []
    i = ws(text, i + 1).end()
    if text[i : i + 1] == "]":
        return items, i + 1
    while True:
        value, i = _DECODE(text, i)
        items.append(value)
        tick()
        i = ws(text, i).end()
        c = text[i : i + 1]
        if c == "]":
            return items, i + 1
        if c != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = ws(text, i + 1).end()


def loads(
    text: str, *, origin: str = "<snapshot>", expect_id: str | None = None, incremental: bool = False
) -> Snapshot:
    """Parse a snapshot file, checking its shape, its id and its content hash.

    A torn, foreign, malformed or tampered file raises ``CorruptSnapshot`` naming ``origin``
    and what failed; nothing from it is served. ``expect_id``: the version it was read as
    (its file name), which must be the id it carries. ``incremental``: decode the file's arrays
    element by element (for a background thread; see ``_loads_in_pieces``). The cyclic garbage
    collector is paused meanwhile (``gc_pause``).
    """
    with cyclic_gc_paused():
        return _loads(text, origin, expect_id, incremental)


def _loads(text: str, origin: str, expect_id: str | None, incremental: bool) -> Snapshot:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    seen = _known_good(digest)
    try:
        # orjson (a C parser, ~1.5x json's speed here) in the foreground; the incremental parse
        # lets other threads run between elements (see _loads_in_pieces)
        doc = _loads_in_pieces(text) if incremental else orjson.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:  # orjson's errors subclass json's
        _refuse(origin, f"not valid JSON ({e})", "is not valid JSON; it may be torn or hand-edited")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        _refuse(origin, f"format {got!r}", f"is not an smcat snapshot (expected format {FORMAT!r})")
    problem = None if seen else snapshot_problem(doc)  # the same bytes passed it before
    if problem:
        _refuse(origin, problem, f"is malformed ({problem})")
    problem = _integrity_problem(doc, expect_id, full=not seen)
    if problem:
        _refuse(origin, problem, f"fails its integrity check: {problem}")
    if not seen:
        _remember_good(digest)
    try:
        maps = [MappingProxyType(m) for m in doc["account_maps"]]
        provs = [Provenance.from_dict(p) for p in doc["provenance"]]
        registries = doc.get("registries", {})
        images = LazyImages(
            doc["images"], _record_builder(maps, provs, origin), lambda raw: _summary(raw, maps, registries)
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
            images=images,
            sources=doc.get("sources", {}),
            registries=registries,
            conflicts=conflicts,
            content_hash=doc.get("content_hash", ""),
        )
    except (KeyError, IndexError, TypeError) as e:  # the checks above should leave nothing for here
        _refuse(origin, f"{type(e).__name__}: {e}", f"is malformed ({type(e).__name__}: {e})")


def _record_builder(
    maps: Sequence[Mapping[str, str]], provs: Sequence[Provenance], origin: str
) -> Callable[[Mapping[str, Any]], ImageRecord]:
    """The function building one record from its JSON object (records share account maps and
    provenance lists: a few hundred among thousands of records)."""
    prov_lists: dict[tuple[int, ...], tuple[Provenance, ...]] = {}

    def build(d: Mapping[str, Any]) -> ImageRecord:
        try:
            extra = d.get("extra")
            pkey = tuple(d["provenance"])
            prov = prov_lists.get(pkey)
            if prov is None:
                prov = prov_lists[pkey] = tuple([provs[i] for i in pkey])
            g = d.get
            return ImageRecord(
                framework=d["framework"],
                version=d["version"],
                image_scope=d["image_scope"],
                processor=d["processor"],
                repository=d["repository"],
                tags=tuple(d["tags"]),
                py_version=g("py_version"),
                cuda=g("cuda"),
                os=g("os"),
                platform=g("platform"),
                arch=g("arch", "x86_64"),
                accounts=maps[d["accounts"]],
                registry_family=g("registry_family"),
                ga=g("ga"),
                eop=g("eop"),
                base_framework=g("base_framework"),
                base_framework_version=g("base_framework_version"),
                extra=tuple(extra.items()) if extra else (),
                variant=g("variant"),
                derived_tags=g("derived_tags", False),
                sdk_tags=tuple(sorted(d["sdk_tags"].items())) if g("sdk_tags") else (),
                also_known_as=tuple(g("also_known_as", ())),
                provenance=prov,
            )
        except (KeyError, IndexError, TypeError) as e:  # the shape check passed these bytes: not expected
            _refuse(origin, f"{type(e).__name__}: {e}", f"is malformed ({type(e).__name__}: {e})")

    return build


def _summary(
    raw: Sequence[Mapping[str, Any]], maps: Sequence[Mapping[str, str]], registries: Mapping[str, Any]
) -> ImagesSummary:
    """``ImagesSummary`` read from the records' JSON, no record built: the same answer as
    ``smcat.catalog.resolve.summarise`` over the built records (a test holds them together)."""
    frameworks: dict[str, dict[str, list[int]]] = {}
    aliases: list[tuple[int, str, tuple[str, ...], tuple[str, ...]]] = []
    used_maps: set[int] = set()
    families: set[str] = set()
    scopes: set[str] = set()
    repositories: dict[str, str] = {}
    for i, d in enumerate(raw):
        tick()
        if not d["tags"]:
            continue
        m = d["accounts"]
        if not maps[m]:
            family = d.get("registry_family") or ""
            if not registries.get(family):
                continue
            families.add(family)
        else:
            used_maps.add(m)
        fw = d["framework"]
        by_scope = frameworks.get(fw)
        if by_scope is None:
            by_scope = frameworks[fw] = {}
        served = served_scopes(d["image_scope"], (d.get("extra") or {}).get("image_scopes"))
        for scope in served:
            positions = by_scope.get(scope)
            if positions is None:
                positions = by_scope[scope] = []
            positions.append(i)
        scopes.update(served)
        aka = d.get("also_known_as")
        if aka:
            aliases.append((i, fw, tuple(aka), served))
        repositories.setdefault(d["repository"], fw)
    regions: set[str] = set()
    for m in used_maps:
        regions.update(maps[m])
    for family in families:
        regions.update(registries[family])
    return ImagesSummary(frameworks, aliases, frozenset(regions), frozenset(scopes), repositories)


def _refuse(origin: str, problem: str, what: str) -> NoReturn:
    raise CorruptSnapshot(
        f"Catalogue snapshot {origin} {what}. It is refused. Pick another version "
        "('smcat catalog versions', 'smcat catalog use VERSION') or rerun 'smcat refresh'.",
        origin=origin,
        problem=problem,
    )
