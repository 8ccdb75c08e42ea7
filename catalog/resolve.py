"""Resolution: a query in the words people type -> one image URI, and why; or a typed error.

``resolve("tensorflow", "2.0", "ap-southeast-1", gpu=True)`` ->
``763104351884.dkr.ecr.ap-southeast-1.amazonaws.com/tensorflow-inference:2.0.4-gpu``.

Choices, in order (the first that differs wins):

1. platform: ``sagemaker`` (or unstated) images before ``ec2`` images, unless ``platform`` is given;
2. the newest framework version that matches (``packaging`` semantics: ``2.10 > 2.9``);
3. when the processor is not constrained, ``cpu`` before accelerators; ``x86_64`` before ``arm64``;
4. the newest Python, then the newest CUDA;
5. tags read verbatim before tags derived by convention.

Filters: ``py_version`` accepts ``py310``, ``3.10``, ``py3.10``; ``py3`` matches any Python 3 image.
Images that carry no Python version (built-in algorithms) match any ``py_version``. ``cuda``
accepts ``cu121`` or ``12.1`` and matches exactly; ``os`` matches a prefix (``ubuntu`` matches
``ubuntu22.04``); ``platform="sagemaker"`` also matches images whose source does not say.
Processors: ``inf`` matches ``inf``/``neuron`` images (Inferentia 1), ``neuronx`` and ``trn``
match ``neuronx``/``trn`` images (Inferentia 2, Trainium), ``neuron`` matches any Neuron image,
``graviton`` means ``cpu`` on ``arm64``; ``gpu=False`` means ``cpu`` unless a processor or
instance type says otherwise. When both ``snapshot`` and ``catalog_version`` are given, the
snapshot wins.

Each snapshot is indexed once (framework -> scope -> version groups, newest first) and the
index is kept for the last few snapshots, so a call touches only the candidates it needs.
"""

from __future__ import annotations

import configparser
import dataclasses
import difflib
import re
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from os import environ as _environ
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from smcat.catalog.errors import InvalidQuery, NoMatch
from smcat.catalog.gc_pause import cyclic_gc_paused
from smcat.catalog.image_order import PY_RE as _PY_RE
from smcat.catalog.image_order import norm_cuda as _norm_cuda
from smcat.catalog.image_order import py_rank as _py_rank
from smcat.catalog.image_order import within_version_key
from smcat.catalog.instances import instance_profile
from smcat.catalog.lifecycle import first_supported, line_of, newer_in_line
from smcat.catalog.limits import MAX_VERSION_CHARS, check_query
from smcat.catalog.models import ImageRecord, ImagesSummary, LazyImages, Provenance, Snapshot
from smcat.catalog.names import (
    NEURON_FRAMEWORKS,
    canonical_framework,
    dns_suffix,
    is_known_region,
    unknown_region,
)
from smcat.catalog.pacing import tick
from smcat.catalog.serial import OMIT, to_jsonable
from smcat.catalog.versions import parse_image_version, parse_user_version, sort_key, version_matcher

if TYPE_CHECKING:  # pragma: no cover
    from smcat.catalog.store import CurrentSnapshot

__all__ = [
    "Alternative",
    "Lifecycle",
    "Resolution",
    "default_region",
    "framework_info",
    "list_frameworks",
    "prepare_index",
    "reload",
    "resolve",
]

MAX_ALTERNATIVES = 10
#: A query's checked parts: framework, scope, accepted processors, arch, inference tool, CUDA, OS,
#: platform and the processor as given (see ``_normalise``).
_Normalised = tuple[
    str,
    str,
    "frozenset[str] | None",
    "str | None",
    "str | None",
    "str | None",
    "str | None",
    "str | None",
    "str | None",
]
_INDEX_CACHE_SIZE = 8
_MATCH_CACHE_SIZE = 1024
_NORMALISED_CACHE_SIZE = 4096

#: Processor asked for -> the record processors that satisfy it.
_PROCESSOR_SETS: dict[str, frozenset[str]] = {
    "cpu": frozenset({"cpu"}),
    "gpu": frozenset({"gpu"}),
    "inf": frozenset({"inf", "neuron"}),
    "neuron": frozenset({"neuron", "inf", "neuronx", "trn"}),
    "neuronx": frozenset({"neuronx", "trn"}),
    "trn": frozenset({"trn", "neuronx"}),
    "graviton": frozenset({"cpu"}),
}


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """GA and end-of-patch dates, and a warning naming the newest supported successor when past EOP."""

    ga: str | None
    eop: str | None
    past_eop: bool
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another image that also satisfied the query."""

    uri: str
    version: str
    py_version: str | None
    processor: str
    platform: str | None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True, slots=True)
class Resolution:
    """The image chosen for a query, and why. ``to_dict()`` gives the JSON form."""

    uri: str
    account: str
    region: str
    repository: str
    tag: str
    moving_tags: tuple[str, ...]
    framework: str
    version: str
    image_scope: str
    processor: str
    arch: str
    py_version: str | None
    cuda: str | None
    os: str | None
    platform: str | None
    lifecycle: Lifecycle
    provenance: tuple[Provenance, ...]
    catalog_version: str
    alternatives: tuple[Alternative, ...] = ()
    record: ImageRecord | None = field(default=None, compare=False, repr=False, metadata=OMIT)  # not JSON
    #: The SageMaker SDK's moving-tag URI for the same image (``...:2.1-gpu-py310``), when known.
    moving_uri: str | None = None
    #: The pinned URI whatever ``tag_style`` asked for (``uri`` is the moving one under ``moving``).
    pinned_uri: str | None = None
    #: Where the region came from: ``argument``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, ``profile <name>``.
    region_source: str = "argument"

    def to_dict(self) -> dict[str, Any]:
        d = to_jsonable(self)
        d["pinned_uri"] = self.pinned_uri or self.uri  # derived: never null, whatever built the object
        return d


# --------------------------------------------------------------------------- the index


@lru_cache(maxsize=1024)
def _norm_os(value: str) -> str:
    return re.sub(r"[\s_-]+", "", value.strip().lower())


class _Entry:
    """One resolvable record with its filter fields pre-normalised."""

    __slots__ = (
        "accounts",
        "alts",
        "arch",
        "cuda",
        "derived",
        "ec2",
        "lifecycles",
        "os",
        "platform",
        "processor",
        "provenance",
        "py",
        "record",
        "spellings",
        "uris",
    )

    def __init__(self, record: ImageRecord, accounts: dict[str, str]) -> None:
        self.record = record
        self.accounts = accounts
        self.processor = record.processor
        self.arch = record.arch or "x86_64"
        self.py = record.py_version
        self.cuda = _norm_cuda(record.cuda) if record.cuda else None
        self.os = _norm_os(record.os) if record.os else None
        self.platform = record.platform
        self.ec2 = record.platform == "ec2"
        self.derived = record.derived_tags
        self.uris: dict[str, str] = {}
        self.alts: dict[str, Alternative] = {}
        self.provenance: dict[str, tuple[Provenance, ...]] = {}
        #: how the SDK lets users spell this image's version (its aliases): exact names, not families
        self.spellings = frozenset(k.split("/", 1)[0].lower() for k, _ in record.sdk_tags)
        #: (day, region -> the past-EOP answer): a successor depends on both, nothing else
        self.lifecycles: tuple[str, dict[str, Lifecycle]] | None = None

    def uri(self, region: str) -> str:
        u = self.uris.get(region)
        if u is None:
            r = self.record
            u = f"{self.accounts[region]}.dkr.ecr.{region}.{_suffix(region)}/{r.repository}:{r.tags[0]}"
            self.uris[region] = u
        return u

    def provenance_in(self, region: str) -> tuple[Provenance, ...]:
        """The record's provenance that speaks for ``region``: a document that speaks for one region
        (a docs page) is evidence only for that region."""
        p = self.provenance.get(region)
        if p is None:
            p = tuple(x for x in self.record.provenance if x.region in (None, region))
            if len(p) == len(self.record.provenance):  # all of it: one shared tuple, not one per region
                p = self.record.provenance
            self.provenance[region] = p
        return p

    def alternative(self, region: str) -> Alternative:
        a = self.alts.get(region)
        if a is None:
            a = Alternative(self.uri(region), self.record.version, self.py, self.processor, self.platform)
            self.alts[region] = a
        return a

    def secondary_key(self) -> tuple[Any, ...]:
        """Within one version: the order :func:`within_version_key` gives (cpu first, newest Python...)."""
        return within_version_key(self.record)


def _record_of(e: _Entry) -> ImageRecord:
    return e.record


class _Group:
    """All entries of one framework version within one (framework, scope)."""

    __slots__ = ("ec2", "main", "version")

    def __init__(self, version: str, entries: list[_Entry]) -> None:
        entries.sort(key=_Entry.secondary_key)
        self.version = version
        self.main = [e for e in entries if not e.ec2]
        self.ec2 = [e for e in entries if e.ec2]


class _Bucket:
    """One (framework, scope): its version groups, newest first, and caches of version queries.

    ``matching`` looks only at the groups that can match: those spelled exactly as asked, else
    those of the asked major version (the family and exact matchers both compare the release,
    whose first number must then be the same), so a version that exists nowhere costs a dict
    lookup, not a scan. Specifiers (``>=2.1``) and ``latest`` still look at every group.
    ``material`` keeps, per query (all but its version), the versions a no-match answer suggests.
    """

    __slots__ = (
        "_lines",
        "by_major",
        "by_spelling",
        "by_text",
        "groups",
        "lock",
        "matches",
        "material",
        "nearest_all",
    )

    def __init__(self, groups: list[_Group]) -> None:
        self.groups = groups
        self.matches: OrderedDict[str, tuple[_Group, ...]] = OrderedDict()
        self.material: OrderedDict[_Query, tuple[_Nearest, bool]] = OrderedDict()
        self.lock = Lock()
        self.by_text: dict[str, list[_Group]] = {}
        self.by_spelling: dict[str, list[_Group]] = {}  # the SDK's spellings of a version (aliases)
        self.by_major: dict[int, list[_Group]] = {}
        for g in groups:
            self.by_text.setdefault(g.version.lower(), []).append(g)
            for spelled in sorted({x for e in (*g.main, *g.ec2) for x in e.spellings}):
                self.by_spelling.setdefault(spelled, []).append(g)
            v = parse_image_version(g.version)
            if v is not None:
                self.by_major.setdefault(v.release[0], []).append(g)
        self.nearest_all: _Nearest | None = None  # every version, for a no-match: built when first needed
        self._lines: dict[tuple[object, ...], list[_Entry]] | None = None

    def lines(self) -> dict[tuple[object, ...], list[_Entry]]:
        """The entries by successor line (``lifecycle.line_of``), each best first: built once, when a
        past-EOP answer first needs it (groups are newest first, each in within-version order)."""
        lines = self._lines
        if lines is None:
            lines = {}
            for g in self.groups:
                for e in (*g.main, *g.ec2):
                    lines.setdefault(line_of(e.record), []).append(e)
            self._lines = lines
        return lines

    def matching(self, version: str) -> tuple[_Group, ...]:
        hit = self.matches.get(version)
        if hit is not None:
            return hit
        pred = version_matcher(version)
        text = version.strip().lower()
        # a version published exactly as asked ("1", "0.90-1") beats the family it also names, and so
        # does a version the SDK spells that way (its alias: TGI "2.0" is the SDK's TGI 2.4.0)
        exact = self.by_text.get(text)
        if not exact and text not in ("latest", "*"):
            exact = self.by_spelling.get(text)
        hit = tuple(exact) if exact else tuple(g for g in self._candidates(text) if pred(g.version))
        with self.lock:
            self.matches[version] = hit
            if len(self.matches) > _MATCH_CACHE_SIZE:
                self.matches.popitem(last=False)
        return hit

    def _candidates(self, text: str) -> list[_Group]:
        """The groups a (valid) version query other than an exact spelling can match."""
        m = _MAJOR_RE.match(text)
        if m is None:  # latest, *, specifiers: every group
            return self.groups
        if m["prefix"] not in ("", "v"):  # a build id (llama.cpp's b9522) matches its exact text only
            return []
        return self.by_major.get(int(m["major"]), [])

    def suggestion_material(self, q: _Query) -> tuple[_Nearest, bool]:
        """The versions that satisfy ``q`` but its version (in its region, else anywhere), once per query."""
        hit = self.material.get(q)
        if hit is not None:
            return hit

        def own(g: _Group) -> list[_Entry]:
            return g.ec2 if q.platform == "ec2" else g.main

        here = [g.version for g in self.groups if any(q.accepts(e) for e in own(g))]
        if not here:
            anywhere = [g.version for g in self.groups if any(q.accepts(e, "region") for e in own(g))]
        found = (_Nearest(here), True) if here else (_Nearest(anywhere), False)
        with self.lock:
            self.material[q] = found
            if len(self.material) > _MATCH_CACHE_SIZE:
                self.material.popitem(last=False)
        return found


#: The major version of a query that is neither ``latest`` nor a specifier (``v2.1`` -> 2).
_MAJOR_RE = re.compile(r"^(?P<prefix>[a-z]*)(?P<major>\d+)")


class _Nearest:
    """A set of version strings sorted once, answering "which are near this one" by bisection."""

    __slots__ = ("ordered", "parsed")

    def __init__(self, versions: list[str]) -> None:
        self.ordered = sorted(set(versions), key=sort_key)
        # unparsable versions sort first: the parsed ones are a suffix, ascending
        self.parsed = [v for s in self.ordered if (v := parse_image_version(s)) is not None]

    def __bool__(self) -> bool:
        return bool(self.ordered)

    def around(self, asked: str, n: int = 3) -> list[str]:
        """Up to ``2n`` versions around where ``asked`` would sort, newest first (all of the newest
        when ``asked`` is not an exact version)."""
        try:
            want = parse_user_version(asked)
        except InvalidQuery:
            want = None
        if want is None or asked.strip().lower() == "latest":
            return self.ordered[::-1][: 2 * n]
        pos = bisect_left(self.parsed, want)
        return self.ordered[max(0, pos - n) : pos + n][::-1]


class _Index:
    """A snapshot indexed for resolution: framework -> scope -> version groups, newest first.

    Building it is one pass over the records (grouping them); each framework's groups are sorted
    on first use (``frameworks`` is lazy), so the first query after a load pays for its own
    framework only. ``warm()`` builds everything (the service does it before swapping a version in).
    """

    __slots__ = ("frameworks", "normalised", "regions", "repositories", "scopes", "snapshot")

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        #: a query's spelling (all but version, region and image filters) -> ``_normalise``'s answer
        self.normalised: dict[tuple[object, ...], _Normalised] = {}
        images = snapshot.images
        get: Callable[[int], ImageRecord]
        if isinstance(images, LazyImages):  # a loaded snapshot: only the frameworks asked are built
            summary, get = images.summary(), images.record
        else:
            summary, get = summarise(images, snapshot.registries), images.__getitem__
        names = {*summary.frameworks, *summary.repositories.values()}
        names.update(n for _, _, aka, _ in summary.aliases for n in aka)
        canonical = {n: canonical_framework(n) for n in names}  # a few hundred names, thousands of records
        raw: dict[str, dict[str, list[int]]] = {}
        for name, by_scope in summary.frameworks.items():
            into = raw.setdefault(canonical[name], {})
            for scope, positions in by_scope.items():
                into.setdefault(scope, []).extend(positions)
        for i, name, aka, served in summary.aliases:
            fw = canonical[name]
            for c in {canonical[n] for n in aka} - {fw}:  # filed under every other name it answers to
                into = raw.setdefault(c, {})
                for scope in served:
                    into.setdefault(scope, []).append(i)
        for by_scope in raw.values():
            for positions in by_scope.values():
                positions.sort()  # record order: ties between equal images keep the catalogue's order
        self.repositories = {repo: canonical[name] for repo, name in summary.repositories.items()}
        self.scopes = set(summary.scopes)
        self.regions = set(summary.regions)
        self.frameworks = _Frameworks(raw, get, snapshot.registries)

    def warm(self) -> _Index:
        """Build every framework's groups now (returns itself)."""
        for fw in self.frameworks:
            for _ in self.frameworks[fw].values():
                pass
        return self


def summarise(images: Sequence[ImageRecord], registries: Mapping[str, Mapping[str, str]]) -> ImagesSummary:
    """``ImagesSummary`` of built records (``LazyImages.summary()`` reads the same from the JSON)."""
    frameworks: dict[str, dict[str, list[int]]] = {}
    aliases: list[tuple[int, str, tuple[str, ...], tuple[str, ...]]] = []
    regions: set[str] = set()
    scopes: set[str] = set()
    repositories: dict[str, str] = {}
    seen_accounts: set[int] = set()
    for i, rec in enumerate(images):
        if not rec.tags:
            continue  # version known, tag not: nothing to pull, never offered
        accounts = rec.accounts_in(registries)
        if not accounts:
            continue
        if id(accounts) not in seen_accounts:
            seen_accounts.add(id(accounts))
            regions.update(accounts)
        served = rec.served_scopes
        by_scope = frameworks.setdefault(rec.framework, {})
        for scope in served:
            by_scope.setdefault(scope, []).append(i)
        if rec.also_known_as:
            aliases.append((i, rec.framework, rec.also_known_as, served))
        scopes.update(served)
        repositories.setdefault(rec.repository, rec.framework)
    return ImagesSummary(frameworks, aliases, frozenset(regions), frozenset(scopes), repositories)


class _Frameworks(Mapping[str, "_Scopes"]):
    """framework -> scope -> ``_Bucket``; each bucket is built on first access (thread-safe).

    A bucket's records are fetched by position when it is built: from a loaded snapshot
    (``LazyImages``) that builds those records only, so the first query after a load pays for
    its own framework and scope.
    """

    def __init__(
        self,
        raw: dict[str, dict[str, list[int]]],
        get: Callable[[int], ImageRecord],
        registries: Mapping[str, Mapping[str, str]],
    ) -> None:
        builder = _Builder(get, registries)  # shared by the scopes; nothing in it points back
        self._scopes = {fw: _Scopes(builder, by_scope) for fw, by_scope in raw.items()}

    def __getitem__(self, fw: str) -> _Scopes:
        return self._scopes[fw]  # KeyError for an unknown framework, as a dict would

    def __contains__(self, fw: object) -> bool:
        return fw in self._scopes

    def __iter__(self) -> Iterator[str]:
        return iter(self._scopes)

    def __len__(self) -> int:
        return len(self._scopes)


class _Builder:
    """Builds buckets from record positions: one entry per record, whatever names it is filed under."""

    __slots__ = ("_accounts", "_entries", "_get", "_registries", "lock")

    def __init__(
        self, get: Callable[[int], ImageRecord], registries: Mapping[str, Mapping[str, str]]
    ) -> None:
        self._get = get
        self._registries = registries
        self._entries: dict[int, _Entry] = {}
        self._accounts: dict[int, dict[str, str]] = {}  # records share their account maps: so do entries
        self.lock = Lock()

    def build(self, positions: list[int]) -> _Bucket:
        """The bucket of these records (call with ``lock`` held)."""
        versions: dict[str, list[_Entry]] = {}
        for i in positions:
            tick()
            entry = self._entries.get(i)
            if entry is None:
                rec = self._get(i)
                accounts = rec.accounts_in(self._registries)
                shared = self._accounts.get(id(accounts))
                if shared is None:
                    shared = self._accounts[id(accounts)] = dict(accounts)
                entry = self._entries[i] = _Entry(rec, shared)
            versions.setdefault(entry.record.version, []).append(entry)
        return _bucket(versions)


class _Scopes(Mapping[str, "_Bucket"]):
    """One framework's scope -> ``_Bucket``: the scopes are known up front, each bucket is built
    on first access."""

    __slots__ = ("_builder", "_built", "_raw")

    def __init__(self, builder: _Builder, raw: dict[str, list[int]]) -> None:
        self._builder = builder
        self._raw = raw
        self._built: dict[str, _Bucket] = {}

    def __getitem__(self, scope: str) -> _Bucket:
        built = self._built.get(scope)
        if built is not None:
            return built
        positions = self._raw[scope]  # KeyError for a scope the framework lacks, as a dict would
        with self._builder.lock:
            built = self._built.get(scope)
            if built is None:
                with cyclic_gc_paused():  # thousands of records and entries, no cycles
                    built = self._built[scope] = self._builder.build(positions)
        return built

    def __contains__(self, scope: object) -> bool:
        return scope in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _bucket(versions: dict[str, list[_Entry]]) -> _Bucket:
    newest_first = sorted(versions, key=sort_key, reverse=True)
    return _Bucket([_Group(v, versions[v]) for v in newest_first])


_INDEXES: OrderedDict[tuple[str, int], _Index] = OrderedDict()
_INDEX_LOCK = Lock()


def _index_for(snapshot: Snapshot) -> _Index:
    key = (snapshot.id, id(snapshot))
    idx = _INDEXES.get(key)
    if idx is not None and idx.snapshot is snapshot:
        return idx
    with cyclic_gc_paused():  # a pass over every record's JSON (see gc_pause)
        idx = _Index(snapshot)
    with _INDEX_LOCK:
        _INDEXES[key] = idx
        while len(_INDEXES) > _INDEX_CACHE_SIZE:
            _INDEXES.popitem(last=False)
    return idx


#: (``$SMCAT_CATALOG``, ``$XDG_DATA_HOME``, ``$SMCAT_LOCK_DIR``) -> the default store's current snapshot.
_CURRENT: dict[tuple[str | None, ...], CurrentSnapshot] = {}


def _default_snapshot(catalog_version: str | None) -> Snapshot:
    """The default store's snapshot: ``catalog_version``, else the current one, kept in memory
    with its pointer re-read at most once a second (``reload()`` forces it)."""
    env = _environ
    key = (env.get("SMCAT_CATALOG"), env.get("XDG_DATA_HOME"), env.get("SMCAT_LOCK_DIR"))
    cur = _CURRENT.get(key) if catalog_version is None else None
    if cur is not None:  # the hot path: no import, no store call while the pointer is fresh
        return cur.get()
    from smcat.catalog.store import CurrentSnapshot, open_store  # lazily: a given snapshot needs no store

    if catalog_version is not None:
        return open_store().load(catalog_version)
    return _CURRENT.setdefault(key, CurrentSnapshot(open_store())).get()


def reload() -> None:
    """Make the next ``resolve()`` without ``snapshot=`` re-read the store's pointer now (a new
    version is otherwise noticed within a second)."""
    for cur in list(_CURRENT.values()):
        cur.reload()


def prepare_index(snapshot: Snapshot) -> None:
    """Build ``snapshot``'s whole resolution index now (a service does it before serving a version;
    otherwise each framework's part is built by the first query that needs it). A loaded
    snapshot's records are then all built, and the JSON they came from is let go."""
    _index_for(snapshot).warm()
    if isinstance(snapshot.images, LazyImages):
        snapshot.images.records()


@lru_cache(maxsize=256)
def _suffix(region: str) -> str:
    """The DNS suffix of a region; raises InvalidQuery for a malformed region code."""
    if not isinstance(region, str) or region != region.strip().lower():
        raise InvalidQuery(
            f"Invalid region: {region!r}. Expected an AWS region code such as 'us-east-1'.", field="region"
        )
    return dns_suffix(region)


# --------------------------------------------------------------------------- query normalisation


def _framework(idx: _Index, framework: str) -> str:
    fw = canonical_framework(framework)
    if fw in idx.frameworks:
        return fw
    if fw in idx.repositories:
        return idx.repositories[fw]
    valid = sorted(idx.frameworks)
    names = list(dict.fromkeys(valid + sorted(idx.repositories)))  # a repository may share a name
    close = difflib.get_close_matches(fw, names, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InvalidQuery(
        f"Unknown framework: {framework!r}.{hint} Frameworks in the catalogue: {', '.join(valid)}.",
        field="framework",
        valid=valid,
    )


def _processor_constraint(
    gpu: bool | None, processor: str | None, instance_type: str | None
) -> tuple[frozenset[str] | None, str | None]:
    """(accepted record processors or None, required arch or None) from gpu/processor/instance_type."""
    accepted: frozenset[str] | None = None
    arch: str | None = None
    said: list[str] = []
    if processor is not None:
        p = processor.strip().lower() if isinstance(processor, str) else None  # a list is no processor
        if p not in _PROCESSOR_SETS:
            raise InvalidQuery(
                f"Invalid processor: {processor!r}. Expected one of: {', '.join(_PROCESSOR_SETS)}.",
                field="processor",
                valid=list(_PROCESSOR_SETS),
            )
        accepted = _PROCESSOR_SETS[p]
        if p == "graviton":
            arch = "arm64"
        said.append(f"processor={processor!r}")
    if instance_type is not None:
        ip, iarch = instance_profile(instance_type)
        iset = _PROCESSOR_SETS[ip]
        if (accepted is not None and not (accepted & iset)) or (arch is not None and arch != iarch):
            raise InvalidQuery(
                f"Contradictory query: instance_type={instance_type!r} needs processor {ip!r} on {iarch}, "
                f"but {' and '.join(said)} was given. Drop one of them.",
                field="instance_type",
                valid=[ip],
            )
        accepted = iset if accepted is None else accepted & iset
        arch = iarch
        said.append(f"instance_type={instance_type!r}")
    if gpu is not None:
        if not isinstance(gpu, bool):
            raise InvalidQuery(f"Invalid gpu flag: {gpu!r}. Expected true or false.", field="gpu")
        if accepted is None:
            accepted = _PROCESSOR_SETS["gpu" if gpu else "cpu"]
        elif ("gpu" in accepted) != gpu:
            raise InvalidQuery(
                f"Contradictory query: gpu={gpu} but {' and '.join(said)} was given. Drop one of them.",
                field="gpu",
                valid=["gpu"] if "gpu" in accepted else sorted(accepted),
            )
    return accepted, arch


def _py_constraint(py_version: str | None) -> tuple[str, bool] | None:
    """(normalised py version, is_major_only) or None."""
    if py_version is None:
        return None
    m = _PY_RE.match(py_version.strip().lower()) if isinstance(py_version, str) else None
    if not m:
        raise InvalidQuery(
            f"Invalid py_version: {py_version!r}. Expected e.g. 'py310', '3.10' or 'py3' (any Python 3).",
            field="py_version",
        )
    return (f"py{m['major']}{m['minor'] or ''}", m["minor"] is None)


def _str_or_none(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidQuery(f"Invalid {name}: {value!r}.", field=name)
    return value


# --------------------------------------------------------------------------- resolve


@dataclass(frozen=True, slots=True)
class _Query:
    """A query's constraints, normalised once; ``accepts`` is the one image filter."""

    region: str
    accepted: frozenset[str] | None
    arch: str | None
    py: tuple[str, bool] | None
    cuda: str | None
    os: str | None
    platform: str | None
    base: tuple[str, str] | None  # ("pytorch", "2.1") from base_framework_version="pytorch2.1"
    container_version: str | None
    sdk_version: str | None

    def accepts(self, e: _Entry, skip: str = "") -> bool:
        """Does image entry ``e`` satisfy the query (ignoring the constraint named by ``skip``)?"""
        if skip != "region" and self.region not in e.accounts:
            return False
        if skip != "processor" and not (
            (self.accepted is None or e.processor in self.accepted)
            and (self.arch is None or e.arch == self.arch)
        ):
            return False
        if skip != "py" and not _py_matches(e.py, self.py):
            return False
        if skip == "extra":
            return True
        rec = e.record
        return (
            (self.cuda is None or e.cuda == self.cuda)
            and (self.os is None or (e.os is not None and e.os.startswith(self.os)))
            and (e.ec2 if self.platform == "ec2" else not e.ec2)
            and (self.base is None or _base_matches(rec, self.base))
            and (self.container_version is None or any(self.container_version in t for t in rec.tags))
            and (self.sdk_version is None or _sdk_matches(rec, self.sdk_version))
        )


def _py_matches(have: str | None, want: tuple[str, bool] | None) -> bool:
    """``py3`` and ``py36`` match each other both ways; images without Python match any query."""
    if want is None or have is None or have == want[0]:
        return True
    if want[1]:  # the query names a major only: any minor of it
        return have.startswith(want[0])
    return len(have) == 3 and want[0].startswith(have)  # the image says py3: any Python 3 query


def _base_matches(rec: ImageRecord, base: tuple[str, str]) -> bool:
    fw, version = base
    if rec.base_framework != fw or not rec.base_framework_version:
        return False
    return version_matcher(version)(rec.base_framework_version)


def _sdk_matches(rec: ImageRecord, sdk: str) -> bool:
    want = sdk.lower().removeprefix("sdk")
    return (rec.variant or "").lower().removeprefix("sdk") == want or any(f"sdk{want}" in t for t in rec.tags)


_BASE_RE = re.compile(r"^(?P<fw>pytorch|tensorflow)-?(?P<version>\d+(?:\.\d+){0,3})$")
_MAX_TEXT = 128


def _base_constraint(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    m = _BASE_RE.match(value.strip().lower()) if isinstance(value, str) and len(value) <= _MAX_TEXT else None
    if not m:
        raise InvalidQuery(
            f"Invalid base_framework_version: {str(value)[:_MAX_TEXT]!r}. Expected e.g. 'pytorch2.1.0' or "
            "'tensorflow2.11' (the SageMaker SDK's form).",
            field="base_framework_version",
        )
    return m["fw"], m["version"]


def default_region(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The region boto3 would use, and where it came from: ``AWS_REGION``, ``AWS_DEFAULT_REGION``,
    then the ``region`` of the profile (``AWS_PROFILE``, else ``default``) in the AWS config file.
    None when none is set (smcat never falls back to ``us-east-1`` silently)."""
    env = _environ if environ is None else environ
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(var, "").strip():
            return env[var].strip(), var
    profile = env.get("AWS_PROFILE", "").strip() or "default"
    path = Path(env.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()
    try:
        stamp = path.stat()
    except OSError:
        return None
    # parsed once per version of the file: a query without a region must not re-read it every call
    region = _profile_region(str(path), profile, stamp.st_mtime_ns, stamp.st_size)
    return (region, f"profile {profile}") if region else None


@lru_cache(maxsize=16)
def _profile_region(path: str, profile: str, _mtime_ns: int, _size: int) -> str | None:
    """The ``region`` of ``profile`` in the AWS config file at ``path`` (keyed by its mtime and size)."""
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read_string(Path(path).read_text("utf-8"))
    except (OSError, configparser.Error):
        return None
    section = profile if profile == "default" else f"profile {profile}"
    return cp.get(section, "region", fallback="").strip() or None


def _region(idx: _Index, region: str | None) -> tuple[str, str]:
    if region is None:
        found = default_region()
        if found is None:
            raise InvalidQuery(
                "No region given: pass region= (CLI -r/--region), or set AWS_REGION, AWS_DEFAULT_REGION "
                "or a region in your AWS profile, as boto3 reads it.",
                field="region",
            )
        region, source = found
    else:
        source = "argument"
    if not isinstance(region, str) or len(region) > 64 or region != region.strip().lower() or not region:
        raise InvalidQuery(
            f"Invalid region: {str(region)[:64]!r}. Expected an AWS region code such as 'us-east-1'.",
            field="region",
        )
    if region not in idx.regions and not is_known_region(region):
        raise unknown_region(region, idx.regions)
    _suffix(region)
    return region, source


def _frameworks_to_search(
    idx: _Index, fw: str, accepted: frozenset[str] | None, tool: str | None
) -> list[str]:
    """``fw``, or its Neuron family (the SDK's ``inference_tool``) when the query asks for Neuron."""
    neuron = NEURON_FRAMEWORKS.get(fw, ())
    if tool:
        named = [n for n in neuron if n.endswith(f"-{tool}")] or [f"{fw}-{tool}"]
        return [n for n in named if n in idx.frameworks] + [fw]
    if accepted is not None and accepted <= _PROCESSOR_SETS["neuron"]:
        return [fw, *(n for n in neuron if n in idx.frameworks)]
    return [fw]


def _normalise(
    idx: _Index,
    framework: str,
    image_scope: str,
    gpu: bool | None,
    processor: str | None,
    instance_type: str | None,
    cuda: str | None,
    os: str | None,
    platform: str | None,
    accelerator_type: str | None,
    inference_tool: str | None,
    serverless: bool,
    tag_style: str,
) -> _Normalised:
    """The query's framework, scope, processor constraint, tool, CUDA, OS and platform, checked and
    normalised (raises InvalidQuery in the order ``resolve`` documents); the processor as given,
    ``cpu`` for a serverless query that names none."""
    fw = _framework(idx, framework)
    if tag_style not in ("pinned", "moving"):
        raise InvalidQuery(
            f"Invalid tag_style: {str(tag_style)[:32]!r}. Expected 'pinned' or 'moving'.",
            field="tag_style",
            valid=["pinned", "moving"],
        )
    if serverless:
        if gpu or (instance_type is not None and instance_profile(instance_type)[0] != "cpu"):
            raise InvalidQuery(
                "Contradictory query: serverless inference has no GPU or accelerator;"
                " drop gpu/instance_type.",
                field="serverless",
            )
        processor = processor or "cpu"
    accepted, arch = _processor_constraint(gpu, processor, instance_type)
    tool = _str_or_none("inference_tool", inference_tool)
    if tool is not None:
        tool = tool.strip().lower()
        if tool not in ("neuron", "neuronx"):
            raise InvalidQuery(
                f"Invalid inference_tool: {tool[:32]!r}. Expected 'neuron' or 'neuronx'.",
                field="inference_tool",
                valid=["neuron", "neuronx"],
            )
    cuda_n = _norm_cuda(c) if (c := _str_or_none("cuda", cuda)) else None
    os_n = _norm_os(o) if (o := _str_or_none("os", os)) else None
    plat = p.strip().lower() if (p := _str_or_none("platform", platform)) else None
    scope = _str_or_none("image_scope", image_scope)
    scope = scope.strip().lower() if scope else "inference"
    if accelerator_type is not None:
        acc = _str_or_none("accelerator_type", accelerator_type) or ""
        if not acc.startswith("ml.eia"):
            raise InvalidQuery(
                f"Invalid accelerator_type: {acc[:32]!r}. Elastic Inference accelerators are 'ml.eia1.*' "
                "or 'ml.eia2.*'.",
                field="accelerator_type",
            )
        scope = "eia"
    if scope.endswith(("_graviton", "-graviton")):  # the SageMaker SDK's "inference_graviton"
        if arch == "x86_64":
            raise InvalidQuery(
                f"Contradictory query: image_scope={image_scope!r} is arm64 but instance_type="
                f"{instance_type!r} is x86_64. Drop one of them.",
                field="image_scope",
            )
        scope, arch = scope.removesuffix("_graviton").removesuffix("-graviton"), "arm64"
    return fw, scope, accepted, arch, tool, cuda_n, os_n, plat, processor


def resolve(
    framework: str,
    version: str | float | None = "latest",
    region: str | None = None,
    *,
    image_scope: str = "inference",
    gpu: bool | None = None,
    processor: str | None = None,
    instance_type: str | None = None,
    py_version: str | None = None,
    cuda: str | None = None,
    os: str | None = None,
    platform: str | None = None,
    base_framework_version: str | None = None,
    accelerator_type: str | None = None,
    inference_tool: str | None = None,
    container_version: str | None = None,
    sdk_version: str | None = None,
    serverless: bool = False,
    tag_style: str = "pinned",
    snapshot: Snapshot | None = None,
    catalog_version: str | None = None,
    today: date | None = None,
) -> Resolution:
    """The image URI for a query, and why. Raises InvalidQuery (malformed) or NoMatch (nothing fits).

    The parameters the SageMaker SDK's ``image_uris.retrieve()`` takes keep their names:
    ``base_framework_version`` (Hugging Face: ``pytorch2.1.0``), ``accelerator_type`` (Elastic
    Inference, the ``eia`` scope: only when asked), ``inference_tool`` (``neuron``/``neuronx``),
    ``container_version``, ``sdk_version`` (Neuron SDK) and ``serverless`` (CPU). ``region`` defaults
    like boto3 (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile); the answer says which.
    ``tag_style="moving"`` answers with the SDK-style moving tag where one is known (``uri`` is
    then ``moving_uri``; ``pinned_uri`` keeps the pinned one).
    """
    values = (
        framework, version, region, image_scope, processor, instance_type, py_version, cuda, os, platform,
        catalog_version, base_framework_version, accelerator_type, inference_tool, container_version,
        sdk_version, tag_style,
    )  # fmt: skip
    long_value = False
    for v in values:  # a plain loop, no generator: this runs on every call
        if isinstance(v, str) and len(v) > MAX_VERSION_CHARS:  # the smallest cap: this one may fail
            long_value = True
            break
    if long_value:
        check_query(  # length caps first: no parser below ever sees an unbounded string
            framework=framework, version=version, region=region, image_scope=image_scope,
            processor=processor, instance_type=instance_type, py_version=py_version, cuda=cuda, os=os,
            platform=platform, catalog_version=catalog_version,
            base_framework_version=base_framework_version, accelerator_type=accelerator_type,
            inference_tool=inference_tool, container_version=container_version, sdk_version=sdk_version,
            tag_style=tag_style,
        )  # fmt: skip
    if snapshot is None:
        snapshot = _default_snapshot(catalog_version)
    idx = _index_for(snapshot)
    # everything but the version, the region and the per-image filters, normalised once per spelling
    spelled: tuple[object, ...] = (
        framework, image_scope, gpu, type(gpu), processor, instance_type, cuda, os, platform,
        accelerator_type, inference_tool, serverless, type(serverless), tag_style,
    )  # fmt: skip
    key: tuple[object, ...] | None = spelled
    norm: _Normalised | None
    try:
        norm = idx.normalised.get(spelled)
    except TypeError:  # an unhashable value: normalising it says what is wrong with it
        key, norm = None, None
    if norm is None:
        norm = _normalise(
            idx, framework, image_scope, gpu, processor, instance_type, cuda, os, platform,
            accelerator_type, inference_tool, serverless, tag_style,
        )  # fmt: skip
        if key is not None:
            if len(idx.normalised) >= _NORMALISED_CACHE_SIZE:
                idx.normalised.clear()
            idx.normalised[key] = norm
    fw, scope, accepted, arch, tool, cuda_n, os_n, plat, processor = norm
    if version is None:
        version = "latest"
    elif isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)  # resolve("pytorch", 2.1) from Python callers
    elif not isinstance(version, str):
        raise InvalidQuery(f"Invalid version: {version!r}. Expected a string such as '2.0'.", field="version")
    if len(version) > _MAX_TEXT:
        raise InvalidQuery(f"Invalid version: longer than {_MAX_TEXT} characters.", field="version")
    version_matcher(version)  # a malformed version is reported before anything else
    region, region_source = _region(idx, region)
    q = _Query(
        region,
        accepted,
        arch,
        _py_constraint(py_version),
        cuda_n,
        os_n,
        plat,
        _base_constraint(base_framework_version),
        _str_or_none("container_version", container_version),
        _str_or_none("sdk_version", sdk_version),
    )

    names = _frameworks_to_search(idx, fw, accepted, tool)
    bucket = None
    hits: list[_Entry] = []
    for name in names:
        scopes = idx.frameworks.get(name)
        b = scopes.get(scope) if scopes is not None else None
        if b is None:
            continue
        bucket = bucket or b
        hits = _hits(b, version, q, base_framework_version)
        if hits:
            fw, bucket = name, b
            break
    if bucket is None:
        buckets = idx.frameworks[fw]
        if scope not in idx.scopes:
            known = ", ".join(sorted(idx.scopes))
            raise InvalidQuery(
                f"Invalid image_scope: {image_scope!r}. Scopes in the catalogue: {known}.",
                field="image_scope",
                valid=sorted(idx.scopes),
            )
        raise NoMatch(
            f"No {fw} image with image_scope={scope!r}. {fw} has: {', '.join(sorted(buckets))}.",
            suggestions={"image_scopes": sorted(buckets)},
        )
    if not hits:
        given = {
            "processor": processor,
            "gpu": gpu,
            "instance_type": instance_type,
            "py_version": py_version,
            "cuda": cuda,
            "os": os,
            "platform": platform,
            "base_framework_version": base_framework_version,
            "container_version": container_version,
            "sdk_version": sdk_version,
        }
        raise _no_match(bucket, idx.frameworks[fw], fw, scope, version, q, given)

    best = hits[0]
    rec = best.record
    pinned = best.uri(region)
    moving_tag = _moving_tag(rec, version, base_framework_version)
    repo_uri = pinned.rsplit(":", 1)[0]
    # an SDK tag of "" is the SDK's URI with no tag at all (Docker reads it as "latest")
    moving = None if moving_tag is None else f"{repo_uri}:{moving_tag}" if moving_tag else repo_uri
    return Resolution(
        uri=moving if (tag_style == "moving" and moving) else pinned,
        account=best.accounts[region],
        region=region,
        repository=rec.repository,
        tag=moving_tag if (tag_style == "moving" and moving_tag) else rec.tags[0],  # "" keeps the pinned one
        moving_tags=rec.tags[1:],
        framework=fw,
        version=rec.version,
        image_scope=scope,
        processor=rec.processor,
        arch=best.arch,
        py_version=rec.py_version,
        cuda=rec.cuda,
        os=rec.os,
        platform=rec.platform,
        lifecycle=_lifecycle(idx, best, region, today),
        provenance=best.provenance_in(region),
        catalog_version=snapshot.id,
        alternatives=tuple([e.alternative(region) for e in hits[1:]]),
        record=rec,
        moving_uri=moving,
        pinned_uri=pinned,
        region_source=region_source,
    )


def _hits(bucket: _Bucket, version: str, q: _Query, base: str | None = None) -> list[_Entry]:
    """Up to ``MAX_ALTERNATIVES + 1`` entries satisfying ``q``, best first.

    Within a version, an image whose Python is exactly the one asked for (``py36``) comes before
    one that only matches it (``py3``), and one the SDK names with the base framework as spelled
    (``tensorflow2.4``) before another build of that family.
    """
    hits: list[tuple[int, _Entry]] = []
    for rank, g in enumerate(bucket.matching(version)):  # raises InvalidQuery for a malformed version
        for e in g.ec2 if q.platform == "ec2" else g.main:
            if q.accepts(e):
                hits.append((rank, e))
                if len(hits) > MAX_ALTERNATIVES:
                    break
        if len(hits) > MAX_ALTERNATIVES:
            break
    if q.py is not None or base:
        want_py = q.py[0] if q.py is not None else None  # "py3" prefers the image that says py3
        spelled = f"/{base.strip().lower()}" if base else None

        def prefer(item: tuple[int, _Entry]) -> tuple[int, bool, bool]:
            rank, e = item
            return (
                rank,
                want_py is not None and e.py != want_py,
                spelled is not None and not any(k.endswith(spelled) for k, _ in e.record.sdk_tags),
            )

        hits.sort(key=prefer)
    return [e for _, e in hits]


def _moving_tag(rec: ImageRecord, spelled: str, base: str | None) -> str | None:
    """The SDK's tag for this image as the user spelled the query, else for its full version."""
    if rec.sdk_tags:
        tags = dict(rec.sdk_tags)
        text = spelled.strip()
        b = base.strip().lower() if isinstance(base, str) else None
        for key in (f"{text}/{b}", f"{rec.version}/{b}") if b else (text, rec.version):
            if key in tags:
                return tags[key]
        for key, tag in rec.sdk_tags:  # any spelling of this image: its full version first
            if key.split("/", 1)[0] == rec.version:
                return tag
        return rec.sdk_tags[0][1]
    return rec.tags[-1] if len(rec.tags) > 1 else None


def _lifecycle(idx: _Index, best: _Entry, region: str, today: date | None) -> Lifecycle:
    """GA and EOP of ``best``; past EOP, a warning naming its successor by the one rule of
    :mod:`smcat.catalog.lifecycle` (same line, newer, supported today), published in ``region``."""
    rec = best.record
    if not rec.eop:
        return Lifecycle(rec.ga, rec.eop, False)
    day = today or date.today()
    now = day.isoformat()
    if rec.eop >= now:
        return Lifecycle(rec.ga, rec.eop, False)
    known = best.lifecycles
    if known is None or known[0] != now:
        known = best.lifecycles = (now, {})
    life = known[1].get(region)
    if life is None:
        life = known[1][region] = _past_eop(idx, best, region, day)
    return life


def _past_eop(idx: _Index, best: _Entry, region: str, day: date) -> Lifecycle:
    """The answer for an image past its EOP: the warning, naming its successor in ``region``."""
    rec = best.record
    scopes = idx.frameworks.get(canonical_framework(rec.framework))  # its line: filed under its own
    home = scopes.get(rec.image_scope) if scopes is not None else None  # framework and scope
    line = home.lines().get(line_of(rec), ()) if home is not None else ()
    successor = first_supported(
        newer_in_line(rec, line, _record_of), day, _record_of, lambda e: region in e.accounts
    )
    warning = (
        f"{rec.repository}:{rec.tags[0]} ({rec.framework} {rec.version}) is past its end of patch ({rec.eop})"
    )
    if successor:
        warning += (
            f"; the newest supported successor is {successor.record.version} "
            f"({successor.record.repository}:{successor.record.tags[0]})."
        )
    elif first_supported(newer_in_line(rec, line, _record_of), day, _record_of):
        warning += f"; no supported successor is published in {region} (other regions have one)."
    else:
        warning += "; no supported successor is in the catalogue."
    return Lifecycle(rec.ga, rec.eop, True, warning)


# --------------------------------------------------------------------------- no match: say what exists


def _no_match(
    bucket: _Bucket,
    buckets: Mapping[str, _Bucket],
    fw: str,
    scope: str,
    version: str,
    q: _Query,
    given: Mapping[str, object],
) -> NoMatch:
    """A NoMatch whose message and suggestions say what exists near the query."""
    region = q.region

    def entries(groups: Iterable[_Group]) -> Iterator[_Entry]:
        for g in groups:
            yield from g.main
            yield from g.ec2

    matched = bucket.matching(version)
    asked_parts = [f"version={version[:40]!r}"]
    asked_parts += [f"{name}={str(value)[:40]!r}" for name, value in given.items() if value is not None]
    head = f"No {fw} {scope} image for {', '.join(asked_parts)} in {region}."
    suggestions: dict[str, list[str]] = {"image_scopes": sorted(buckets)}
    lines: list[str] = []

    # versions that satisfy everything but the version, in this region (else anywhere): cached per query
    nearest, in_region = bucket.suggestion_material(q)
    near = nearest.around(version)
    suggestions["versions"] = near
    if near:
        where = f"in {region}" if in_region else "in other regions"
        lines.append(f"Versions that exist {where} for these options: {', '.join(near)}.")
    if not matched:
        if not near:
            if bucket.nearest_all is None:
                bucket.nearest_all = _Nearest([g.version for g in bucket.groups])
            suggestions["versions"] = bucket.nearest_all.around(version)
            lines.append(f"{fw} {scope} versions: {', '.join(suggestions['versions'])}.")
    else:
        names = ", ".join(dict.fromkeys(g.version for g in matched[:5]))
        ec2_q = dataclasses.replace(q, platform="ec2")
        if q.platform != "ec2" and any(ec2_q.accepts(e) for g in matched for e in g.ec2):
            lines.append(
                f"Only EC2 builds of {fw} {names} match (not made for SageMaker): pass platform='ec2' "
                "to get one anyway."
            )
        procs = sorted(
            {
                e.processor + ("" if e.arch == "x86_64" else f" ({e.arch})")
                for e in entries(matched)
                if q.accepts(e, "processor")
            }
        )
        suggestions["processors"] = procs
        if procs:
            lines.append(f"Processors for {fw} {names} in {region}: {', '.join(procs)}.")
        pys = sorted(
            {e.py for e in entries(matched) if e.py and q.accepts(e, "py")}, key=_py_rank, reverse=True
        )
        suggestions["py_versions"] = pys
        if pys and q.py is not None:
            lines.append(f"Python versions for {fw} {names}: {', '.join(pys)}.")
        regions = sorted({r for e in entries(matched) if q.accepts(e, "region") for r in e.accounts})
        suggestions["regions"] = regions
        if regions and not any(region in e.accounts for e in entries(matched)):
            lines.append(f"Regions that have {fw} {names}: {', '.join(regions)}.")
        elif regions and region not in regions:
            lines.append(f"Regions that have it with these options: {', '.join(regions)}.")
    if len(buckets) > 1:
        lines.append(f"{fw} image scopes: {', '.join(sorted(buckets))}.")
    return NoMatch(" ".join([head, *lines]), suggestions=suggestions)


# --------------------------------------------------------------------------- /frameworks


def list_frameworks(snapshot: Snapshot) -> dict[str, Any]:
    """Every framework in the catalogue with its scopes, latest version and version count."""
    idx = _index_for(snapshot)
    out = {}
    for fw, buckets in sorted(idx.frameworks.items()):
        versions = {g.version for b in buckets.values() for g in b.groups}
        out[fw] = {
            "image_scopes": sorted(buckets),
            "latest_version": max(versions, key=sort_key),
            "version_count": len(versions),
        }
    return {"catalog_version": snapshot.id, "frameworks": out}


def framework_info(snapshot: Snapshot, framework: str) -> dict[str, Any]:
    """Versions (oldest first), scopes, processors, python versions and regions of one framework."""
    idx = _index_for(snapshot)
    fw = _framework(idx, framework)
    buckets = idx.frameworks[fw]
    entries = [e for b in buckets.values() for g in b.groups for e in (*g.main, *g.ec2)]
    return {
        "framework": fw,
        "catalog_version": snapshot.id,
        "versions": sorted({e.record.version for e in entries}, key=sort_key),
        "versions_by_scope": {
            s: sorted({g.version for g in b.groups}, key=sort_key) for s, b in sorted(buckets.items())
        },
        "image_scopes": sorted(buckets),
        "processors": sorted({e.processor for e in entries}),
        "arches": sorted({e.arch for e in entries}),
        "py_versions": sorted({e.py for e in entries if e.py}, key=_py_rank),
        "platforms": sorted({e.platform or "sagemaker" for e in entries}),
        "regions": sorted({r for e in entries for r in e.accounts}),
        "repositories": sorted({e.record.repository for e in entries}),
    }
