"""Merge what every source said into one catalogue: images, accounts per region, conflicts.

Precedence, per fact:
- tags, versions, python/CUDA/OS, lifecycle dates: the DLC image data (YAML), then
  ``available_images.md`` (verbatim tags, historic versions), then the docs pages (whose
  tags are derived by convention, marked ``derived_tags``);
- accounts per region: the region tables give each registry family's account per region
  (DLC, Neuron, algorithms); the docs pages give the account of each repository in the
  regions that list it. Where two sources disagree both claims are kept as a ``Conflict``
  and the newer, more specific source wins (region tables over docs pages, the 2026
  region table over older ``available_images.md`` ones).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from catalog.models import Conflict, ImageRecord, ParseResult, RegistryAccount

__all__ = ["MergeInput", "merge"]

#: Source precedence: earlier wins where sources disagree.
IMAGE_SOURCES = ("dlc-image-data", "dlc-available-images", "aws-docs-ecr-paths")
REGISTRY_SOURCES = ("dlc-regions", "dlc-available-images")


@dataclass
class MergeInput:
    """The parse results of one refresh, grouped by source name, in fetch order."""

    results: dict[str, list[tuple[str, ParseResult]]] = field(default_factory=dict)

    def add(self, source: str, url: str, result: ParseResult) -> None:
        self.results.setdefault(source, []).append((url, result))

    def parsed(self, source: str) -> Iterable[tuple[str, ParseResult]]:
        return self.results.get(source, ())


def _registries(inp: MergeInput, conflicts: list[Conflict]) -> dict[str, dict[str, str]]:
    claims: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for source in REGISTRY_SOURCES:
        for url, res in inp.parsed(source):
            for ra in res.registries:
                claims[(ra.family, ra.region)].append((ra.account, url))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for (family, region), vals in sorted(claims.items()):
        out[family][region] = vals[0][0]
        distinct = dict(vals)  # account -> first url claiming it
        if len(distinct) > 1:
            conflicts.append(
                Conflict(f"{family} registry in {region}", "account", tuple(sorted(distinct.items())))
            )
    # Families a source names without its own table (Neuron, Elastic Inference) fall back to
    # the DLC account of the region: those images live in the DLC registry.
    return {k: dict(v) for k, v in out.items()}


def _family_accounts(rec: ImageRecord, registries: dict[str, dict[str, str]]) -> dict[str, str]:
    fam = rec.registry_family
    if fam in registries:
        return registries[fam]
    if fam and fam.startswith("dlc"):
        return registries.get("dlc", {})
    return {}


def _py_compatible(a: str | None, b: str | None) -> bool:
    """Docs pages say ``py3`` or nothing where the image data says ``py312``: those match."""
    if not a or not b or a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) == 3 and long_.startswith(short)


def _docs_key(r: ImageRecord) -> tuple:
    return (r.repository, r.version, r.image_scope, r.processor, r.arch)


def _merge_same(a: ImageRecord, b: ImageRecord) -> ImageRecord:
    """Fold ``b`` (a lower-precedence claim about the same image) into ``a``."""
    tags = a.tags + tuple(t for t in b.tags if t not in a.tags)
    accounts = dict(b.accounts)
    accounts.update(a.accounts)
    return replace(
        a,
        tags=tags,
        accounts=accounts,
        ga=a.ga or b.ga,
        eop=a.eop or b.eop,
        cuda=a.cuda or b.cuda,
        os=a.os or b.os,
        py_version=a.py_version or b.py_version,
        derived_tags=a.derived_tags and b.derived_tags,
        provenance=a.provenance + tuple(p for p in b.provenance if p not in a.provenance),
    )


def merge(inp: MergeInput) -> tuple[list[ImageRecord], dict[str, dict[str, str]], list[Conflict]]:
    """Merge all sources into (images, registries, conflicts). Pure: no I/O."""
    conflicts: list[Conflict] = []
    registries = _registries(inp, conflicts)

    # 1. Verbatim images (YAML first, then available_images.md), keyed by identity.
    by_key: dict[tuple, ImageRecord] = {}
    for source in IMAGE_SOURCES[:2]:
        for _url, res in inp.parsed(source):
            for rec in res.images:
                fam = _family_accounts(rec, registries)
                if fam:
                    for region, acct in rec.accounts.items():
                        if fam.get(region, acct) != acct:
                            conflicts.append(
                                Conflict(
                                    f"{rec.repository} in {region}",
                                    "account",
                                    ((fam[region], "region table"), (acct, rec.provenance[0].url)),
                                )
                            )
                    rec = replace(rec, accounts={**rec.accounts, **fam})
                prev = by_key.get(rec.key)
                by_key[rec.key] = _merge_same(prev, rec) if prev else rec

    # 2. Docs-page images: one claim per region page; group them, then attach to the verbatim
    #    images they describe, or keep them as images of their own (with derived tags).
    docs: dict[tuple, ImageRecord] = {}
    for _url, res in inp.parsed("aws-docs-ecr-paths"):
        for rec in res.images:
            prev = docs.get(rec.key)
            if prev:
                accounts = {**prev.accounts, **rec.accounts}
                prov = prev.provenance + tuple(p for p in rec.provenance if p not in prev.provenance)
                docs[rec.key] = replace(prev, accounts=accounts, provenance=prov)
            else:
                docs[rec.key] = rec
    verbatim_by_docs_key: dict[tuple, list[tuple]] = defaultdict(list)
    for key, rec in by_key.items():
        verbatim_by_docs_key[_docs_key(rec)].append(key)
    for rec in docs.values():
        targets = [
            k
            for k in verbatim_by_docs_key.get(_docs_key(rec), ())
            if _py_compatible(by_key[k].py_version, rec.py_version) and by_key[k].platform != "ec2"
        ]
        if not targets:
            by_key[rec.key] = rec
            continue
        for k in targets:
            v = by_key[k]
            for region, acct in rec.accounts.items():
                have = v.accounts.get(region)
                if have and have != acct:
                    conflicts.append(
                        Conflict(
                            f"{v.repository} in {region}",
                            "account",
                            ((have, v.provenance[0].url), (acct, rec.provenance[0].url)),
                        )
                    )
            extra_regions = {r: a for r, a in rec.accounts.items() if r not in v.accounts}
            by_key[k] = replace(
                v,
                accounts={**v.accounts, **extra_regions},
                provenance=v.provenance + tuple(p for p in rec.provenance if p not in v.provenance),
            )

    # 3. Lifecycle dates for retired versions (legacy file): match framework + major.minor.
    lifecycle: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for _url, res in inp.parsed("dlc-legacy"):
        lifecycle.update(res.lifecycle)
    images = []
    for rec in by_key.values():
        if not (rec.ga or rec.eop) and lifecycle:
            fw = rec.base_framework or rec.framework
            mm = ".".join(rec.version.split(".")[:2]) if rec.base_framework is None else None
            if rec.base_framework and rec.base_framework_version:
                mm = ".".join(rec.base_framework_version.split(".")[:2])
            dates = lifecycle.get((fw, mm or ""))
            if dates:
                rec = replace(rec, ga=dates[0], eop=dates[1])
        images.append(rec)
    uniq = {(c.subject, c.field, c.claims) for c in conflicts}
    conflicts = [Conflict(s, f, c) for s, f, c in sorted(uniq)]
    return images, registries, conflicts


def registry_accounts(results: Iterable[ParseResult]) -> list[RegistryAccount]:
    """Every region-table fact in ``results`` (for reports)."""
    return [ra for r in results for ra in r.registries]
