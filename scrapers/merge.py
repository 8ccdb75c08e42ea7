"""Merge what every source said into one catalogue: images, accounts per region, conflicts.

Precedence, per fact (newer and more specific wins):
- tags, versions, python/CUDA/OS, lifecycle dates: the DLC image data (YAML), then
  ``available_images.md`` (verbatim tags, historic versions), then the SageMaker SDK's image
  configuration (``master``, then the ``master-v2`` line: moving tags, every partition's accounts,
  first-party algorithms, LLM serving images), then the docs pages (whose tags are derived by
  convention, marked ``derived_tags``);
- one image seen by several sources is one record: an SDK entry joins the verbatim record with the
  same repository, version, scope (any scope the record declares), processor and architecture and
  a compatible Python (``py3`` matches ``py310``), adding its moving tags (``sdk_tags``), the regions
  and partitions it lists, and its provenance. An SDK framework name is the catalogue's name for
  every image of a repository that the SDK files under that one name (``huggingface-llm`` for the
  TGI repository), since those are the names users pass to ``image_uris.retrieve()``;
- accounts per region: the region tables give each registry family's account per region
  (DLC, Neuron, algorithms); the docs pages give the account of each repository in the
  regions that list it. Where two sources disagree both claims are kept as a ``Conflict``
  and the newer, more specific source wins (region tables over docs pages, the 2026
  region table over older ``available_images.md`` ones).

Which source plays which part is each source's declared ``Role`` (``smcat.scrapers.scraper``), and
among sources of one role the registry's order (``smcat.scrapers.registry.SCRAPERS``) is the
precedence: the merge never names a source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from smcat.catalog.models import Conflict, ImageRecord, ParseResult, Provenance
from smcat.scrapers.registry import SCRAPERS
from smcat.scrapers.scraper import Role, Scraper

__all__ = ["MergeInput", "merge"]

#: An image's identity, ``ImageRecord.key``.
RecordKey = tuple[str, ...]


def _playing(sources: Sequence[Scraper], role: Role) -> tuple[str, ...]:
    """The names of the sources that play ``role``, in precedence order (earlier wins)."""
    return tuple(s.name for s in sources if s.plays(role))


@dataclass
class MergeInput:
    """The parse results of one refresh, grouped by source name, in fetch order."""

    results: dict[str, list[tuple[str, ParseResult]]] = field(default_factory=dict)

    def add(self, source: str, url: str, result: ParseResult) -> None:
        self.results.setdefault(source, []).append((url, result))

    def parsed(self, source: str) -> Iterable[tuple[str, ParseResult]]:
        return self.results.get(source, ())

    def parsed_by(self, names: Iterable[str]) -> Iterable[tuple[str, ParseResult]]:
        """``parsed`` of each source in ``names``, in that order."""
        for name in names:
            yield from self.parsed(name)


def _registries(
    inp: MergeInput, tables: Sequence[str], conflicts: list[Conflict]
) -> dict[str, dict[str, str]]:
    claims: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for url, res in inp.parsed_by(tables):
        for ra in res.registries:
            claims[(ra.family, ra.region)].append((ra.account, url))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for (family, region), vals in sorted(claims.items()):
        out[family][region] = vals[0][0]
        distinct = dict(vals)  # account -> first url claiming it
        if len(distinct) > 1:
            conflicts.append(
                Conflict(
                    f"{family} registry in {region}",
                    "account",
                    tuple(sorted(distinct.items())),
                    winner=vals[0][0],
                    reason="the newest region table wins (region_availability.md, then available_images.md)",
                )
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


def _union(a: tuple[Provenance, ...], b: tuple[Provenance, ...]) -> tuple[Provenance, ...]:
    """``a`` then what ``b`` adds, in order, each once (a set: a record can gather hundreds)."""
    seen = set(a)
    out = list(a)
    for p in b:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return tuple(out)


def _py_compatible(a: str | None, b: str | None) -> bool:
    """Docs pages say ``py3`` or nothing where the image data says ``py312``: those match."""
    if not a or not b or a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) == 3 and long_.startswith(short)


def _docs_key(r: ImageRecord) -> tuple[str, str, str, str, str]:
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
        provenance=_union(a.provenance, b.provenance),
    )


def merge(
    inp: MergeInput, sources: Sequence[Scraper] = SCRAPERS
) -> tuple[list[ImageRecord], dict[str, dict[str, str]], list[Conflict]]:
    """Merge all sources into (images, registries, conflicts). Pure: no I/O.

    ``sources`` (the registry by default) says which source plays which ``Role`` and, by its
    order, which of two sources of one role wins; results of sources it does not list are unused.
    """
    conflicts: list[Conflict] = []
    registries = _registries(inp, _playing(sources, Role.REGION_TABLES), conflicts)

    # 1. Verbatim images (YAML first, then available_images.md), keyed by identity.
    by_key: dict[RecordKey, ImageRecord] = {}
    for source in _playing(sources, Role.VERBATIM_IMAGES):
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
                                    winner=fam[region],
                                    reason="the registry's region table wins over one image's listing",
                                )
                            )
                    rec = replace(rec, accounts={**rec.accounts, **fam})
                if rec.repository.endswith("-eia") and rec.image_scope == "inference":
                    rec = replace(rec, image_scope="eia")  # Elastic Inference: only when asked for
                prev = by_key.get(rec.key)
                by_key[rec.key] = _merge_same(prev, rec) if prev else rec

    # 1b. The SDK's configuration: join each entry to the verbatim image it describes, or keep it.
    _join_sdk_images(by_key, _sdk_images(inp, _playing(sources, Role.SDK_IMAGES), conflicts), conflicts)

    # 2. Docs-page images: one claim per region page; group them, then attach to the verbatim
    #    images they describe, or keep them as images of their own (with derived tags).
    # (gathered per image first and folded once: one image is on dozens of region pages)
    claims: dict[RecordKey, list[ImageRecord]] = defaultdict(list)
    for _url, res in inp.parsed_by(_playing(sources, Role.DERIVED_IMAGES)):
        for rec in res.images:
            claims[rec.key].append(rec)
    docs: dict[RecordKey, ImageRecord] = {}
    for key, recs in claims.items():
        accounts: dict[str, str] = {}
        for rec in recs:
            accounts.update(rec.accounts)
        prov = _union((), tuple(p for rec in recs for p in rec.provenance))
        docs[key] = replace(recs[0], accounts=accounts, provenance=prov) if len(recs) > 1 else recs[0]
    verbatim_by_docs_key: dict[tuple[str, str, str, str, str], list[RecordKey]] = defaultdict(list)
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
            _account_conflicts(
                v, rec, v.repository, "a verbatim image source wins over the retired docs pages", conflicts
            )
            extra_regions = {r: a for r, a in rec.accounts.items() if r not in v.accounts}
            by_key[k] = replace(
                v,
                accounts={**v.accounts, **extra_regions},
                provenance=_union(v.provenance, rec.provenance),
            )

    # 3. Lifecycle dates for retired versions (legacy file): match framework + major.minor.
    lifecycle: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for _url, res in inp.parsed_by(_playing(sources, Role.LIFECYCLE)):
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
    uniq: dict[tuple[str, str, tuple[tuple[str, str], ...]], Conflict] = {}
    for c in conflicts:
        uniq.setdefault((c.subject, c.field, c.claims), c)
    return images, registries, [uniq[k] for k in sorted(uniq)]


def _sdk_images(
    inp: MergeInput, sdk_sources: Sequence[str], conflicts: list[Conflict]
) -> dict[RecordKey, ImageRecord]:
    """The SDK entries of every line folded by identity; the first line wins, disagreements are kept."""
    out: dict[RecordKey, ImageRecord] = {}
    for _url, res in inp.parsed_by(sdk_sources):
        for rec in res.images:
            prev = out.get(rec.key)
            if prev is not None and prev.framework != rec.framework:
                rec = replace(rec, variant=rec.variant or rec.framework)  # two families, one repository
                prev = out.get(rec.key)
            if prev is None:
                out[rec.key] = rec
                continue
            subject = f"{rec.repository}:{prev.tags[0] if prev.tags else rec.version} ({rec.framework})"
            if prev.tags and rec.tags and prev.tags[0] != rec.tags[0]:
                conflicts.append(
                    Conflict(
                        subject,
                        "tag",
                        ((prev.tags[0], prev.provenance[0].url), (rec.tags[0], rec.provenance[0].url)),
                        winner=prev.tags[0],
                        reason="the SDK's master branch wins over its master-v2 line",
                    )
                )
            _account_conflicts(
                prev, rec, subject, "the SDK's master branch wins over its master-v2 line", conflicts
            )
            sdk_tags = dict(rec.sdk_tags)
            sdk_tags.update(prev.sdk_tags)
            out[rec.key] = replace(
                prev,
                accounts={**rec.accounts, **prev.accounts},
                sdk_tags=tuple(sorted(sdk_tags.items())),
                provenance=_union(prev.provenance, rec.provenance),
            )
    return out


def _account_conflicts(
    a: ImageRecord, b: ImageRecord, subject: str, reason: str, conflicts: list[Conflict]
) -> None:
    """Record every region where ``b`` names another account than ``a`` (``a`` wins)."""
    for region, acct in b.accounts.items():
        have = a.accounts.get(region)
        if have and have != acct:
            conflicts.append(
                Conflict(
                    f"{subject} in {region}",
                    "account",
                    ((have, a.provenance[0].url if a.provenance else ""), (acct, b.provenance[0].url)),
                    winner=have,
                    reason=reason,
                )
            )


def _join_sdk_images(
    by_key: dict[RecordKey, ImageRecord], sdk: dict[RecordKey, ImageRecord], conflicts: list[Conflict]
) -> None:
    """Fold SDK entries into the verbatim images they describe (in place); keep the rest as images.

    A build variant the SDK names (DJL's ``tensorrtllm0.8.0``, a Neuron ``sdk2.19.1``) must appear in
    the verbatim image's pinned tag: one DJL version ships several engines in one repository.
    """
    sdk_names = frozenset(r.framework for r in sdk.values())
    index: dict[tuple[str, str, str, str, str], list[RecordKey]] = defaultdict(list)
    for key, rec in by_key.items():
        if rec.platform == "ec2":
            continue  # the SDK names SageMaker images only
        for scope in rec.served_scopes:
            index[(rec.repository, rec.version, scope, rec.processor, rec.arch)].append(key)
    for rec in sdk.values():
        cands = index.get((rec.repository, rec.version, rec.image_scope, rec.processor, rec.arch), ())
        targets = [
            k
            for k in cands
            # the SDK lists "py3" and "py36" of one version as two images with two tags: join equals
            if _same_or_unknown(by_key[k].py_version, rec.py_version)
            and _same_or_unknown(by_key[k].base_framework_version, rec.base_framework_version)
            and (rec.base_framework or not rec.variant or any(rec.variant in t for t in by_key[k].tags[:1]))
        ]
        if not targets:
            prev = by_key.get(rec.key)
            by_key[rec.key] = _join_one(prev, rec, conflicts, sdk_names) if prev else rec
            continue
        for k in targets:
            by_key[k] = _join_one(by_key[k], rec, conflicts, sdk_names)


def _same_or_unknown(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _join_one(
    v: ImageRecord, sdk: ImageRecord, conflicts: list[Conflict], sdk_names: frozenset[str] = frozenset()
) -> ImageRecord:
    """One verbatim record ``v`` plus what the SDK says of the same image.

    The SDK's framework name becomes the record's; the verbatim source's name is kept as another
    name only when the SDK does not use it for other images (an image the DLC data files under
    ``huggingface`` but the SDK under ``huggingface-training-compiler`` must not answer plain
    ``huggingface`` queries).
    """
    subject = f"{v.repository}:{v.tags[0] if v.tags else v.version}"
    _account_conflicts(
        v, sdk, subject, "the image's own data (and its region table) wins over the SDK", conflicts
    )
    if v.py_version and sdk.py_version and v.py_version != sdk.py_version and len(sdk.py_version) > 3:
        conflicts.append(
            Conflict(
                subject,
                "py_version",
                ((v.py_version, v.provenance[0].url), (sdk.py_version, sdk.provenance[0].url)),
                winner=v.py_version,
                reason="the image's own data wins over the SDK",
            )
        )
    names = tuple(
        dict.fromkeys(n for n in (v.framework, *v.also_known_as) if n != sdk.framework and n not in sdk_names)
    )
    sdk_tags = dict(sdk.sdk_tags)
    sdk_tags.update(v.sdk_tags)
    return replace(
        v,
        framework=sdk.framework,  # the name users pass to image_uris.retrieve()
        also_known_as=names,
        tags=v.tags + tuple(t for t in sdk.tags if t not in v.tags),
        accounts={**sdk.accounts, **v.accounts},
        sdk_tags=tuple(sorted(sdk_tags.items())),
        cuda=v.cuda or sdk.cuda,
        os=v.os or sdk.os,
        py_version=v.py_version or sdk.py_version,
        base_framework=v.base_framework or sdk.base_framework,
        base_framework_version=v.base_framework_version or sdk.base_framework_version,
        provenance=_union(v.provenance, sdk.provenance),
    )
