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

import difflib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from threading import Lock

from catalog.errors import InvalidQuery, NoMatch
from catalog.instances import instance_profile
from catalog.limits import check_query
from catalog.models import ImageRecord, Provenance, Snapshot
from catalog.names import canonical_framework, dns_suffix
from catalog.versions import parse_image_version, parse_user_version, sort_key, version_matcher

__all__ = ["Alternative", "Lifecycle", "Resolution", "framework_info", "list_frameworks", "resolve"]

MAX_ALTERNATIVES = 10
_INDEX_CACHE_SIZE = 8
_MATCH_CACHE_SIZE = 1024

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
_PY_RE = re.compile(r"^(?:py)?(?P<major>\d)(?:\.?(?P<minor>\d{1,2}))?$")


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """GA and end-of-patch dates, and a warning naming the newest supported successor when past EOP."""

    ga: str | None
    eop: str | None
    past_eop: bool
    warning: str | None = None

    def to_dict(self) -> dict:
        return {"ga": self.ga, "eop": self.eop, "past_eop": self.past_eop, "warning": self.warning}


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another image that also satisfied the query."""

    uri: str
    version: str
    py_version: str | None
    processor: str
    platform: str | None

    def to_dict(self) -> dict:
        return {
            "uri": self.uri,
            "version": self.version,
            "py_version": self.py_version,
            "processor": self.processor,
            "platform": self.platform,
        }


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
    record: ImageRecord | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {
            "uri": self.uri,
            "account": self.account,
            "region": self.region,
            "repository": self.repository,
            "tag": self.tag,
            "moving_tags": list(self.moving_tags),
            "framework": self.framework,
            "version": self.version,
            "image_scope": self.image_scope,
            "processor": self.processor,
            "arch": self.arch,
            "py_version": self.py_version,
            "cuda": self.cuda,
            "os": self.os,
            "platform": self.platform,
            "lifecycle": self.lifecycle.to_dict(),
            "provenance": [p.to_dict() for p in self.provenance],
            "catalog_version": self.catalog_version,
            "alternatives": [a.to_dict() for a in self.alternatives],
        }


# --------------------------------------------------------------------------- the index


def _norm_cuda(value: str) -> str:
    return value.strip().lower().removeprefix("cu").replace(".", "")


def _norm_os(value: str) -> str:
    return re.sub(r"[\s_-]+", "", value.strip().lower())


def _py_rank(py: str | None) -> tuple[int, int]:
    m = _PY_RE.match(py or "")
    if not m:
        return (0, 0)
    return (int(m["major"]), int(m["minor"]) if m["minor"] else -1)


class _Entry:
    """One resolvable record with its filter fields pre-normalised."""

    __slots__ = (
        "accounts",
        "alts",
        "arch",
        "cuda",
        "derived",
        "ec2",
        "os",
        "platform",
        "processor",
        "py",
        "record",
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

    def uri(self, region: str) -> str:
        u = self.uris.get(region)
        if u is None:
            r = self.record
            u = f"{self.accounts[region]}.dkr.ecr.{region}.{_suffix(region)}/{r.repository}:{r.tags[0]}"
            self.uris[region] = u
        return u

    def alternative(self, region: str) -> Alternative:
        a = self.alts.get(region)
        if a is None:
            a = Alternative(self.uri(region), self.record.version, self.py, self.processor, self.platform)
            self.alts[region] = a
        return a

    def secondary_key(self) -> tuple:
        """Within one version: cpu first, x86_64 first, newest python, newest CUDA, verbatim tags,
        then the newest build variant (DJL ``lmi20.0.0`` before ``lmi18.0.0``, newer Neuron SDKs)."""
        py = _py_rank(self.py)
        cuda = parse_image_version(self.cuda) if self.cuda else None
        return (
            self.processor != "cpu",
            self.arch != "x86_64",
            (-py[0], -py[1]),
            cuda is None,
            tuple(-x for x in cuda.release) if cuda else (),
            self.derived,
            tuple(-int(n) for n in re.findall(r"\d+", self.record.variant or "")),
            self.record.repository,
            self.record.tags[0],
        )


class _Group:
    """All entries of one framework version within one (framework, scope)."""

    __slots__ = ("ec2", "main", "version")

    def __init__(self, version: str, entries: list[_Entry]) -> None:
        entries.sort(key=_Entry.secondary_key)
        self.version = version
        self.main = [e for e in entries if not e.ec2]
        self.ec2 = [e for e in entries if e.ec2]


class _Bucket:
    """One (framework, scope): its version groups, newest first, and a cache of version queries."""

    __slots__ = ("groups", "lock", "matches")

    def __init__(self, groups: list[_Group]) -> None:
        self.groups = groups
        self.matches: OrderedDict[str, tuple[_Group, ...]] = OrderedDict()
        self.lock = Lock()

    def matching(self, version: str) -> tuple[_Group, ...]:
        hit = self.matches.get(version)
        if hit is not None:
            return hit
        pred = version_matcher(version)
        hit = tuple(g for g in self.groups if pred(g.version))
        with self.lock:
            self.matches[version] = hit
            if len(self.matches) > _MATCH_CACHE_SIZE:
                self.matches.popitem(last=False)
        return hit


class _Index:
    __slots__ = ("frameworks", "repositories", "scopes", "snapshot")

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        raw: dict[str, dict[str, dict[str, list[_Entry]]]] = {}
        self.repositories: dict[str, str] = {}
        self.scopes: set[str] = set()
        for rec in snapshot.images:
            if not rec.tags:
                continue  # nothing to pull: not resolvable
            accounts = dict(rec.accounts) or dict(snapshot.registries.get(rec.registry_family or "", {}))
            if not accounts:
                continue
            fw = canonical_framework(rec.framework)
            raw.setdefault(fw, {}).setdefault(rec.image_scope, {}).setdefault(rec.version, []).append(
                _Entry(rec, accounts)
            )
            self.repositories.setdefault(rec.repository, fw)
            self.scopes.add(rec.image_scope)
        self.frameworks: dict[str, dict[str, _Bucket]] = {
            fw: {scope: _bucket(versions) for scope, versions in scopes.items()} for fw, scopes in raw.items()
        }


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
    idx = _Index(snapshot)
    with _INDEX_LOCK:
        _INDEXES[key] = idx
        while len(_INDEXES) > _INDEX_CACHE_SIZE:
            _INDEXES.popitem(last=False)
    return idx


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
    close = difflib.get_close_matches(fw, valid + sorted(idx.repositories), n=3, cutoff=0.6)
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
        p = processor.strip().lower() if isinstance(processor, str) else processor
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


def resolve(
    framework: str,
    version: str = "latest",
    region: str = "us-east-1",
    *,
    image_scope: str = "inference",
    gpu: bool | None = None,
    processor: str | None = None,
    instance_type: str | None = None,
    py_version: str | None = None,
    cuda: str | None = None,
    os: str | None = None,
    platform: str | None = None,
    snapshot: Snapshot | None = None,
    catalog_version: str | None = None,
    today: date | None = None,
) -> Resolution:
    """The image URI for a query, and why. Raises InvalidQuery (malformed) or NoMatch (nothing fits)."""
    check_query(  # length caps first: no parser below ever sees an unbounded string
        framework=framework, version=version, region=region, image_scope=image_scope, processor=processor,
        instance_type=instance_type, py_version=py_version, cuda=cuda, os=os, platform=platform,
        catalog_version=catalog_version,
    )  # fmt: skip
    if snapshot is None:
        from catalog.store import open_store  # lazily: resolution over a given snapshot needs no store

        snapshot = open_store().load(catalog_version)
    idx = _index_for(snapshot)
    fw = _framework(idx, framework)
    _suffix(region)  # validates the region code
    accepted, arch = _processor_constraint(gpu, processor, instance_type)
    py = _py_constraint(py_version)
    cuda_n = _norm_cuda(c) if (c := _str_or_none("cuda", cuda)) else None
    os_n = _norm_os(o) if (o := _str_or_none("os", os)) else None
    plat = p.strip().lower() if (p := _str_or_none("platform", platform)) else None
    scope = _str_or_none("image_scope", image_scope)
    scope = scope.strip().lower() if scope else "inference"
    if scope.endswith(("_graviton", "-graviton")):  # the SageMaker SDK's "inference_graviton"
        if arch == "x86_64":
            raise InvalidQuery(
                f"Contradictory query: image_scope={image_scope!r} is arm64 but instance_type="
                f"{instance_type!r} is x86_64. Drop one of them.",
                field="image_scope",
            )
        scope, arch = scope.removesuffix("_graviton").removesuffix("-graviton"), "arm64"
    if version is None:
        version = "latest"
    elif isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)  # resolve("pytorch", 2.1) from Python callers
    elif not isinstance(version, str):
        raise InvalidQuery(f"Invalid version: {version!r}. Expected a string such as '2.0'.", field="version")

    buckets = idx.frameworks[fw]
    bucket = buckets.get(scope)
    if bucket is None:
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
    groups = bucket.matching(version)  # raises InvalidQuery for a malformed version

    hits: list[_Entry] = []
    passes = ("main",) if plat == "sagemaker" else ("ec2",) if plat == "ec2" else ("main", "ec2")
    for which in passes:
        for g in groups:
            for e in g.main if which == "main" else g.ec2:
                if (
                    region in e.accounts
                    and (accepted is None or e.processor in accepted)
                    and (arch is None or e.arch == arch)
                    and (py is None or e.py is None or (e.py.startswith(py[0]) if py[1] else e.py == py[0]))
                    and (cuda_n is None or e.cuda == cuda_n)
                    and (os_n is None or (e.os is not None and e.os.startswith(os_n)))
                    and (plat is None or plat in ("sagemaker", "ec2") or e.platform == plat)
                ):
                    hits.append(e)
                    if len(hits) > MAX_ALTERNATIVES:
                        break
            if len(hits) > MAX_ALTERNATIVES:
                break
        if len(hits) > MAX_ALTERNATIVES:
            break
    if not hits:
        given = {
            "processor": processor,
            "gpu": gpu,
            "instance_type": instance_type,
            "py_version": py_version,
            "cuda": cuda,
            "os": os,
            "platform": platform,
        }
        filters = (accepted, arch, py, cuda_n, os_n, plat)
        raise _no_match(bucket, buckets, fw, scope, version, region, filters, given)

    best = hits[0]
    rec = best.record
    return Resolution(
        uri=best.uri(region),
        account=best.accounts[region],
        region=region,
        repository=rec.repository,
        tag=rec.tags[0],
        moving_tags=rec.tags[1:],
        framework=fw,
        version=rec.version,
        image_scope=rec.image_scope,
        processor=rec.processor,
        arch=best.arch,
        py_version=rec.py_version,
        cuda=rec.cuda,
        os=rec.os,
        platform=rec.platform,
        lifecycle=_lifecycle(bucket, best, region, today),
        # a document that speaks for one region (a docs page) is evidence only for that region
        provenance=tuple(p for p in rec.provenance if p.region in (None, region)),
        catalog_version=snapshot.id,
        alternatives=tuple([e.alternative(region) for e in hits[1:]]),
        record=rec,
    )


def _lifecycle(bucket: _Bucket, best: _Entry, region: str, today: date | None) -> Lifecycle:
    rec = best.record
    if not rec.eop:
        return Lifecycle(rec.ga, rec.eop, False)
    now = (today or date.today()).isoformat()
    if rec.eop >= now:
        return Lifecycle(rec.ga, rec.eop, False)
    mine = parse_image_version(rec.version)
    successor = None
    for g in bucket.groups:  # newest first
        gv = parse_image_version(g.version)
        if mine is not None and (gv is None or gv <= mine):
            break
        for e in g.ec2 if best.ec2 else g.main:
            r = e.record
            same_kind = e.processor == best.processor and e.arch == best.arch
            if same_kind and region in e.accounts and (not r.eop or r.eop >= now):
                successor = e
                break
        if successor:
            break
    warning = (
        f"{rec.repository}:{rec.tags[0]} ({rec.framework} {rec.version}) is past its end of patch ({rec.eop})"
    )
    if successor:
        warning += (
            f"; the newest supported successor is {successor.record.version} "
            f"({successor.record.repository}:{successor.record.tags[0]})."
        )
    else:
        warning += "; no supported successor is in the catalogue."
    return Lifecycle(rec.ga, rec.eop, True, warning)


# --------------------------------------------------------------------------- no match: say what exists


def _proc_ok(e: _Entry, accepted: frozenset[str] | None, arch: str | None) -> bool:
    return (accepted is None or e.processor in accepted) and (arch is None or e.arch == arch)


def _py_ok(e: _Entry, py: tuple[str, bool] | None) -> bool:
    return py is None or e.py is None or (e.py.startswith(py[0]) if py[1] else e.py == py[0])


def _nearest(versions: list[str], asked: str, n: int = 3) -> list[str]:
    """Up to ``2n`` versions around where ``asked`` would sort, newest first."""
    ordered = sorted(set(versions), key=sort_key)
    try:
        want = parse_user_version(asked)
    except InvalidQuery:
        want = None
    if want is None or asked.strip().lower() == "latest":
        return ordered[::-1][: 2 * n]
    pos = sum(1 for v in ordered if (pv := parse_image_version(v)) is not None and pv < want)
    return ordered[max(0, pos - n) : pos + n][::-1]


def _no_match(bucket, buckets, fw, scope, version, region, filters, given) -> NoMatch:
    """A NoMatch whose message and suggestions say what exists near the query."""
    accepted, arch, py, cuda_n, os_n, plat = filters

    def ok(e: _Entry, skip: str = "") -> bool:
        return (
            (skip == "region" or region in e.accounts)
            and (skip == "processor" or _proc_ok(e, accepted, arch))
            and (skip == "py" or _py_ok(e, py))
            and (skip == "extra" or cuda_n is None or e.cuda == cuda_n)
            and (skip == "extra" or os_n is None or (e.os is not None and e.os.startswith(os_n)))
            and (
                skip == "extra"
                or plat is None
                or (e.platform in (None, "sagemaker") if plat == "sagemaker" else e.platform == plat)
            )
        )

    def entries(groups):
        for g in groups:
            yield from g.main
            yield from g.ec2

    matched = bucket.matching(version)
    all_groups = bucket.groups
    asked_parts = [f"version={version!r}"]
    asked_parts += [f"{name}={value!r}" for name, value in given.items() if value is not None]
    head = f"No {fw} {scope} image for {', '.join(asked_parts)} in {region}."
    suggestions: dict[str, list[str]] = {"image_scopes": sorted(buckets)}
    lines: list[str] = []

    # versions that satisfy everything but the version, in this region (else anywhere)
    versions_here = [g.version for g in all_groups if any(ok(e) for e in entries([g]))]
    versions_any = [g.version for g in all_groups if any(ok(e, "region") for e in entries([g]))]
    near = _nearest(versions_here or versions_any, version)
    suggestions["versions"] = near
    if near:
        where = f"in {region}" if versions_here else "in other regions"
        lines.append(f"Versions that exist {where} for these options: {', '.join(near)}.")
    if not matched:
        all_versions = [g.version for g in all_groups]
        if not near:
            suggestions["versions"] = _nearest(all_versions, version)
            lines.append(f"{fw} {scope} versions: {', '.join(suggestions['versions'])}.")
    else:
        names = ", ".join(dict.fromkeys(g.version for g in matched[:5]))
        procs = sorted(
            {
                e.processor + ("" if e.arch == "x86_64" else f" ({e.arch})")
                for e in entries(matched)
                if ok(e, "processor")
            }
        )
        suggestions["processors"] = procs
        if procs:
            lines.append(f"Processors for {fw} {names} in {region}: {', '.join(procs)}.")
        pys = sorted({e.py for e in entries(matched) if e.py and ok(e, "py")}, key=_py_rank, reverse=True)
        suggestions["py_versions"] = pys
        if pys and py is not None:
            lines.append(f"Python versions for {fw} {names}: {', '.join(pys)}.")
        regions = sorted({r for e in entries(matched) if ok(e, "region") for r in e.accounts})
        suggestions["regions"] = regions
        if regions and not any(region in e.accounts for e in entries(matched)):
            lines.append(f"Regions that have {fw} {names}: {', '.join(regions)}.")
        elif regions and region not in regions:
            lines.append(f"Regions that have it with these options: {', '.join(regions)}.")
    if len(buckets) > 1:
        lines.append(f"{fw} image scopes: {', '.join(sorted(buckets))}.")
    return NoMatch(" ".join([head, *lines]), suggestions=suggestions)


# --------------------------------------------------------------------------- /frameworks


def list_frameworks(snapshot: Snapshot) -> dict:
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


def framework_info(snapshot: Snapshot, framework: str) -> dict:
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
