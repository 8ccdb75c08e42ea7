"""The catalogue's data model: image records, their provenance, and what a scraper returns.

Records are frozen, slotted dataclasses: cheap to hold by the thousand and safe to share
between threads of the resolver service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import Any, overload

from smcat.catalog.pacing import tick

__all__ = [
    "OPTIONAL_TEXT_FIELDS",
    "PROCESSORS",
    "Conflict",
    "ImageRecord",
    "ImagesSummary",
    "LazyImages",
    "ParseResult",
    "Provenance",
    "RegistryAccount",
    "Snapshot",
    "served_scopes",
]

#: The ImageRecord fields that hold text or nothing: stored only when set (snapshot_io), checked as
#: strings when present (shapes).
OPTIONAL_TEXT_FIELDS = (
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

#: Processor values, as the SageMaker SDK names them. Graviton is ``cpu`` (or ``gpu``) on ``arm64``.
PROCESSORS = ("cpu", "gpu", "inf", "neuron", "neuronx", "trn", "hpu")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which document said so, and when it was read.

    ``facts`` names the record fields this source supplied (e.g. ``("tags", "ga", "eop")``);
    ``derived`` marks facts smcat computed by convention rather than read verbatim
    (the docs pages write ``<tag>`` and the tag is derived from version/processor/python).
    """

    source: str
    url: str
    fetched_at: str
    facts: tuple[str, ...] = ()
    derived: bool = False
    note: str = ""
    #: The one region a document speaks for (a docs page per region), or None for all regions.
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # explicit, not to_jsonable(): empty fields are left out of every snapshot file, and
        # "region" comes before "facts" in the written (and hashed) form
        d: dict[str, Any] = {"source": self.source, "url": self.url, "fetched_at": self.fetched_at}
        if self.region:
            d["region"] = self.region
        if self.facts:
            d["facts"] = list(self.facts)
        if self.derived:
            d["derived"] = True
        if self.note:
            d["note"] = self.note
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Provenance:
        return cls(
            source=d["source"],
            url=d["url"],
            fetched_at=d.get("fetched_at", ""),
            facts=tuple(d.get("facts", ())),
            derived=bool(d.get("derived", False)),
            note=d.get("note", ""),
            region=d.get("region"),
        )


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """One prebuilt container image (one repository + one framework version + one variant).

    ``version`` is the framework version as the image carries it (``2.19.0``, ``1.0-1`` for the
    first-party scikit-learn/XGBoost images, ``1`` for built-in algorithms). ``tags`` lists every
    known tag, the most specific (pinned) first, moving tags after. ``accounts`` maps region code
    -> registry account id for the regions where the image is published; empty means "the
    regions of this repository's registry family" and is filled in by the merge step.
    """

    framework: str
    version: str
    image_scope: str
    processor: str
    repository: str
    tags: tuple[str, ...] = ()
    py_version: str | None = None
    cuda: str | None = None
    os: str | None = None
    platform: str | None = None  # "sagemaker", "ec2", or None when the source does not say
    arch: str = "x86_64"
    accounts: Mapping[str, str] = field(default_factory=dict)
    registry_family: str | None = None  # "dlc", "dlc-neuron", "algorithms", ... when accounts are implied
    ga: str | None = None  # ISO date
    eop: str | None = None  # ISO date (end of patch)
    base_framework: str | None = None  # e.g. "pytorch" for Hugging Face images
    base_framework_version: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # source-specific facts, e.g. (("transformers", "4.37.0"),)
    #: What tells apart builds that share everything above (DJL engine ``lmi20.0.0``, Neuron
    #: ``sdk2.20.0``, ``devel`` / ``runtime`` base images); part of the key.
    variant: str | None = None
    derived_tags: bool = False  # tags computed by convention, not read verbatim
    provenance: tuple[Provenance, ...] = ()
    #: The SageMaker SDK's tag per spelling of the query it accepts: ``(("2.1", "2.1-gpu-py310"),
    #: ("2.1.0", "2.1.0-gpu-py310"))``; Hugging Face spellings are ``"4.26/pytorch1.13"``. These are
    #: the moving tags a user migrating from ``image_uris.retrieve()`` knows.
    sdk_tags: tuple[tuple[str, str], ...] = ()
    #: Other framework names sources file this image under (the DLC data's ``pytorch`` for an image
    #: the SDK calls ``hyperpod-recipes-neuron``); the resolver answers under each.
    also_known_as: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        """Identity of the image across sources and snapshots."""
        return (
            self.repository,
            self.version,
            self.image_scope,
            self.processor,
            self.arch,
            self.py_version or "",
            self.platform or "",
            self.variant or "",
        )

    @property
    def key_str(self) -> str:
        """``key`` as one readable string (used in diffs and JSON)."""
        return "|".join(self.key)

    @property
    def tag(self) -> str | None:
        """The pinned tag (the first known), or None."""
        return self.tags[0] if self.tags else None

    @property
    def served_scopes(self) -> tuple[str, ...]:
        """The scopes the image serves: its own, then any more it declares (``extra["image_scopes"]``)."""
        return served_scopes(self.image_scope, dict(self.extra).get("image_scopes"))

    def accounts_in(self, registries: Mapping[str, Mapping[str, str]]) -> Mapping[str, str]:
        """region -> account: the record's own, else its registry family's in ``registries``."""
        return self.accounts or registries.get(self.registry_family or "", {})


def served_scopes(image_scope: str, declared: str | None) -> tuple[str, ...]:
    """``image_scope`` and the scopes a comma-separated ``declared`` adds (one image declared for
    training and inference serves both), each once, in that order. One reading of a record's
    ``extra["image_scopes"]`` for the merge, the resolver's index and the snapshot summary."""
    if not declared:
        return (image_scope,)
    return tuple(dict.fromkeys((image_scope, *(x.strip() for x in declared.split(",") if x.strip()))))


@dataclass(frozen=True, slots=True)
class RegistryAccount:
    """A region -> registry account fact from a region table (``family`` says which registry)."""

    family: str  # "dlc", "dlc-neuron", "dlc-eia", "algorithms"
    region: str
    account: str
    region_name: str | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two sources disagree about one fact; both claims are kept with their provenance."""

    subject: str  # e.g. "sagemaker-scikit-learn@us-east-1 account"
    field: str
    claims: tuple[tuple[str, str], ...]  # (value, source url)
    #: The value the catalogue serves, and the precedence rule that chose it.
    winner: str | None = None
    reason: str = ""

    @property
    def kind(self) -> str:
        """What the sources disagree about (``account``, ``tag``, ``py_version``...)."""
        return self.field

    def to_dict(self) -> dict[str, Any]:
        # explicit, not to_jsonable(): claims are written as {value, url} objects, and an unset
        # winner or reason is left out of the snapshot file
        d: dict[str, Any] = {
            "subject": self.subject,
            "field": self.field,
            "claims": [{"value": v, "url": u} for v, u in self.claims],
        }
        if self.winner is not None:
            d["winner"] = self.winner
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(slots=True)
class ParseResult:
    """What one ``parse(text, url)`` call returns.

    ``links`` are further documents the scraper wants fetched (the docs index lists region
    pages; the GitHub tree lists YAML files). ``lifecycle`` maps (framework, version) to
    (ga, eop) for sources that give dates without images (the legacy support file).
    ``moved`` is set when the document says its content now lives elsewhere.
    """

    images: list[ImageRecord] = field(default_factory=list)
    registries: list[RegistryAccount] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    lifecycle: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)
    moved: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.images or self.registries or self.links or self.lifecycle)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One immutable catalogue version.

    ``id`` is ``YYYYMMDDTHHMMSSZ-<hash8>`` (UTC time of the refresh + short content hash).
    ``sources`` maps scraper name -> what it read (urls, fetched_at, records, status).
    ``registries`` maps registry family -> region -> account (from the region tables).
    """

    id: str
    created_at: str
    #: a tuple, or (a loaded snapshot) a ``LazyImages`` that builds records on first use
    images: Sequence[ImageRecord]
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    registries: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()
    content_hash: str = ""

    @property
    def regions(self) -> frozenset[str]:
        """Every region in which at least one image is published."""
        out: set[str] = set()
        for img in self.images:
            out.update(img.accounts)
        return frozenset(out)


@dataclass(frozen=True, slots=True)
class ImagesSummary:
    """What the resolver's index needs from every record before building any of them.

    Only usable records count: ones with a tag and with accounts (their own or their registry
    family's). ``frameworks``: each framework name as written -> each image scope a record
    serves -> those records' positions, in order; ``aliases``: (position, framework,
    ``also_known_as``, scopes) of the ones that have aliases; ``regions``, ``scopes``: every
    region and image scope they cover; ``repositories``: each repository -> the framework (as
    written) of its first record.
    """

    frameworks: Mapping[str, Mapping[str, Sequence[int]]]
    aliases: Sequence[tuple[int, str, tuple[str, ...], tuple[str, ...]]]
    regions: frozenset[str]
    scopes: frozenset[str]
    repositories: Mapping[str, str]


def _release(items: Sequence[Any]) -> None:
    """Free a large list a few hundred items at a time: one ``del`` of the whole list frees every
    object in one go while holding the interpreter lock (~12 ms for a 10x catalogue's JSON, a
    stall for every other thread); between slices the interpreter may switch threads."""
    if isinstance(items, list):
        while items:
            del items[-256:]
            tick()


class LazyImages(Sequence[ImageRecord]):
    """A loaded snapshot's records, each built from its decoded JSON on first use.

    ``snapshot_io.loads`` gives one in place of a tuple, so the first query after a load builds
    the records of the framework it asks and no others (``summary()`` tells the index which
    records each framework has without building any). Indexing, iteration, ``len``, ``==`` and
    ``hash`` behave as the tuple's (iterating builds every record, once). Thread-safe: a record
    is built once, so every thread sees the same object.
    """

    __slots__ = ("_all", "_build", "_lock", "_raw", "_records", "_summarise", "_summary")

    def __init__(
        self,
        raw: Sequence[Any],
        build: Callable[[Any], ImageRecord],
        summarise: Callable[[Sequence[Any]], ImagesSummary],
    ) -> None:
        self._raw: Sequence[Any] | None = raw
        self._build = build
        self._summarise = summarise
        self._records: list[ImageRecord | None] = [None] * len(raw)
        self._all: tuple[ImageRecord, ...] | None = None
        self._summary: ImagesSummary | None = None
        self._lock = Lock()

    def record(self, i: int) -> ImageRecord:
        """The record at position ``i``, built now if it was not yet."""
        rec = self._records[i]
        if rec is None:
            with self._lock:
                rec = self._records[i]
                if rec is None:
                    assert self._raw is not None  # dropped only once every record is built
                    rec = self._records[i] = self._build(self._raw[i])
        return rec

    def summary(self) -> ImagesSummary:
        """Which records each framework has, and what they cover (built once, from the JSON)."""
        if self._summary is None:
            assert self._raw is not None  # dropped only once the summary exists
            self._summary = self._summarise(self._raw)
        return self._summary

    def records(self) -> tuple[ImageRecord, ...]:
        """Every record, as a tuple (built once; the decoded JSON is dropped afterwards)."""
        done = self._all
        if done is None:
            with self._lock:
                if self._all is None:
                    raw, build, recs = self._raw, self._build, self._records
                    assert raw is not None
                    for i, rec in enumerate(recs):
                        if rec is None:
                            recs[i] = build(raw[i])
                            tick()
                    self._all = tuple(r for r in recs if r is not None)
                    if self._summary is not None:  # the summary is what the JSON was still kept for
                        self._raw = None
                        _release(raw)
                done = self._all
        return done

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, i: int) -> ImageRecord: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[ImageRecord, ...]: ...

    def __getitem__(self, i: int | slice) -> ImageRecord | tuple[ImageRecord, ...]:
        if isinstance(i, slice):
            return self.records()[i]
        return self.record(range(len(self._records))[i])  # negative positions, IndexError as a tuple's

    def __iter__(self) -> Iterator[ImageRecord]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyImages):
            return self is other or self.records() == other.records()
        if isinstance(other, tuple):
            return self.records() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.records())

    def __repr__(self) -> str:
        return f"LazyImages({len(self)} records)"
