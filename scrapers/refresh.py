"""The refresh pipeline: fetch every source, parse, merge, gate, publish a new catalogue version.

A refresh is refused (the current version stays, byte for byte) when a source fails to fetch
or parse, when a source yields nothing, when the new catalogue has no images, or when it would
lose more than ``max_loss`` of the current images; ``force=True`` publishes anyway (never an
empty catalogue). An unchanged upstream (same content hash) publishes nothing and succeeds.
Every gate is in the "Gates" section below, in the order a refresh meets them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from smcat.catalog.errors import CatalogError, CorruptDocument, RefreshRefused, SmcatError, SourceMoved
from smcat.catalog.models import ParseResult, Snapshot
from smcat.catalog.store import DEFAULT_MAX_LOSS, Diff, DiffDict, Store, make_snapshot
from smcat.catalog.times import now_iso
from smcat.scrapers.merge import MergeInput, merge
from smcat.scrapers.registry import SCRAPERS, scraper_for_url
from smcat.scrapers.scraper import Scraper

if TYPE_CHECKING:
    from smcat.scrapers.http import Fetcher

__all__ = ["RefreshReport", "RefreshReportDict", "SourceReport", "collect", "run_refresh"]

#: Bound on followed links per source (the docs index lists ~35 regions; the DLC tree ~300 YAMLs).
#: A source that links to more is refused with the reason, never read in part: what was never
#: read cannot be seen by the loss gate. ``max_documents=`` of ``collect`` overrides it.
MAX_DOCUMENTS_PER_SOURCE = 20_000


@dataclass
class SourceReport:
    """How one source did in a refresh."""

    name: str
    status: str = "ok"  # ok | failed
    documents: int = 0
    images: int = 0
    registries: int = 0
    seconds: float = 0.0
    error: str | None = None
    moved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fetched_at: str = ""
    digest: str = ""  # sha256 over the documents' sha256s: tells whether the source changed

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON data, empty fields (None, [], "") left out."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], "")}


@dataclass
class RefreshReport:
    """Outcome of a refresh: ``published``, ``unchanged``, ``refused`` or ``failed``, with the why.

    ``failed``: the store itself failed (disk full, a corrupt current snapshot, a bad pointer);
    nothing was published and the current version stays.
    """

    outcome: str
    sources: list[SourceReport]
    snapshot_id: str | None = None
    previous_id: str | None = None
    diff: Diff | None = None
    reason: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("published", "unchanged")

    def to_dict(self) -> RefreshReportDict:
        """The report as JSON data (``smcat refresh --json``, the service's refresh jobs)."""
        return {
            "outcome": self.outcome,
            "snapshot": self.snapshot_id,
            "previous": self.previous_id,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "sources": [s.to_dict() for s in self.sources],
            "diff": self.diff.to_dict() if self.diff else None,
        }


class RefreshReportDict(TypedDict):
    """``RefreshReport.to_dict``'s answer."""

    outcome: str
    snapshot: str | None
    previous: str | None
    reason: str | None
    seconds: float
    sources: list[dict[str, Any]]
    diff: DiffDict | None


Progress = Callable[[str, SourceReport], None]


def _over_limit(scraper: Scraper, limit: int, seen: int) -> CatalogError:
    return CatalogError(
        f"{scraper.name} links to more than {limit} documents (already {seen} queued); refusing to "
        "publish a catalogue built from part of it. If the source really grew, raise the limit "
        "(smcat.scrapers.refresh.MAX_DOCUMENTS_PER_SOURCE, or collect(max_documents=...)) and rerun."
    )


def _collect_source(
    fetcher: Fetcher, scraper: Scraper, inp: MergeInput, workers: int, limit: int = MAX_DOCUMENTS_PER_SOURCE
) -> SourceReport:
    rep = SourceReport(scraper.name)
    t0 = time.perf_counter()
    queue: list[str] = list(scraper.start_urls)
    seen: set[str] = set(queue)
    hashes: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while queue:
                batch, queue = queue, []
                docs = list(pool.map(fetcher.fetch, batch))
                for doc in docs:
                    hashes.append(doc.sha256 or hashlib.sha256(doc.text.encode()).hexdigest())
                    owner = scraper_for_url(doc.url) or scraper
                    rep.documents += 1
                    rep.fetched_at = max(rep.fetched_at, doc.fetched_at)
                    try:
                        res: ParseResult = owner.parse(doc.text, doc.url, fetched_at=doc.fetched_at)
                    except SourceMoved as e:
                        rep.moved.append(f"{doc.url}: {e}")
                        continue
                    if res.moved:
                        rep.moved.append(f"{doc.url} -> {res.moved}")
                        continue
                    rep.warnings.extend(f"{doc.url}: {w}" for w in res.warnings)
                    inp.add(owner.name, doc.url, res)
                    rep.images += len(res.images)
                    rep.registries += len(res.registries)
                    for link in res.links:
                        if link not in seen:
                            if len(seen) >= limit:
                                raise _over_limit(scraper, limit, len(seen))
                            seen.add(link)
                            queue.append(link)
        empty = _empty_source(scraper, rep, inp)
        if empty:
            rep.status = "failed"
            rep.error = empty
    except SmcatError as e:
        rep.status = "failed"
        rep.error = str(e)
    rep.digest = hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()
    rep.seconds = time.perf_counter() - t0
    return rep


def collect(
    fetcher: Fetcher,
    scrapers: Iterable[Scraper] = SCRAPERS,
    *,
    progress: Progress | None = None,
    workers: int = 8,
    max_documents: int | None = None,
) -> tuple[MergeInput, list[SourceReport]]:
    """Fetch and parse every source; returns the parse results and a report per source.

    A source linking to more than ``max_documents`` (default ``MAX_DOCUMENTS_PER_SOURCE``)
    documents is reported failed with that reason (so the refresh is refused), never read in part.
    """
    limit = MAX_DOCUMENTS_PER_SOURCE if max_documents is None else max_documents
    inp = MergeInput()
    reports: list[SourceReport] = []
    for scraper in scrapers:
        if progress:
            progress("start", SourceReport(scraper.name))
        rep = _collect_source(fetcher, scraper, inp, workers, limit)
        reports.append(rep)
        if progress:
            progress("done", rep)
    return inp, reports


def build_snapshot(inp: MergeInput, reports: list[SourceReport], *, now: datetime | None = None) -> Snapshot:
    """Merge parse results into a snapshot that records each source's status."""
    images, registries, conflicts = merge(inp)
    sources = {
        r.name: {
            "status": r.status,
            "documents": r.documents,
            "images": r.images,
            "registries": r.registries,
            "fetched_at": r.fetched_at,
        }
        for r in reports
    }
    return make_snapshot(images, sources=sources, registries=registries, conflicts=conflicts, now=now)


def record_status(store: Store, report: RefreshReport) -> dict[str, Any]:
    """Update ``status.json``: per source last attempt / success / change and current failure.

    A corrupt ``status.json`` is replaced (it only records past attempts).
    """
    try:
        status = store.status()
    except CorruptDocument:
        status = {}
    now = now_iso()
    sources = status.setdefault("sources", {})
    for rep in report.sources:
        st = sources.setdefault(rep.name, {})
        st["last_attempt"] = now
        st["last_status"] = rep.status
        if rep.status == "failed":
            st["error"] = rep.error
        else:
            st.pop("error", None)
            st["last_success"] = now
            if rep.digest and rep.digest != st.get("digest"):
                st["last_change"] = now
                st["digest"] = rep.digest
    status["last_refresh"] = {
        "at": now,
        "outcome": report.outcome,
        "reason": report.reason,
        "snapshot": report.snapshot_id,
    }
    if report.ok:
        status["last_successful_refresh"] = now
    store.write_status(status)
    return status


def run_refresh(
    store: Store,
    fetcher: Fetcher,
    *,
    scrapers: Iterable[Scraper] = SCRAPERS,
    force: bool = False,
    max_loss: float = DEFAULT_MAX_LOSS,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RefreshReport:
    """Run one refresh into ``store`` under its lock; never raises for a refused or failed publication.

    A store that fails (disk full, a corrupt current snapshot, a bad pointer) gives a ``failed``
    report, recorded in ``status.json`` when that can still be written.
    """
    t0 = time.perf_counter()
    try:
        previous = store.current_id()
    except CatalogError:
        previous = None
    try:
        with store.lock():
            try:
                previous = store.current_id()
                report = _refresh_locked(
                    store, fetcher, scrapers, force, max_loss, progress, now, previous, t0
                )
            except CatalogError as e:
                report = RefreshReport(
                    "failed", [], previous_id=previous, reason=str(e), seconds=time.perf_counter() - t0
                )
            _record_status_or_say_why(store, report)
            return report
    except RefreshRefused as e:  # the lock is held by another refresh
        return RefreshReport(
            "refused", [], previous_id=previous, reason=str(e), seconds=time.perf_counter() - t0
        )
    except CatalogError as e:  # the lock itself could not be taken (disk full, unwritable directory)
        report = RefreshReport(
            "failed", [], previous_id=previous, reason=str(e), seconds=time.perf_counter() - t0
        )
        _record_status_or_say_why(store, report)
        return report


def _record_status_or_say_why(store: Store, report: RefreshReport) -> None:
    """``record_status``; when even that fails (the disk is full), say so in the report's reason."""
    try:
        record_status(store, report)
    except CatalogError as e:
        note = f"status.json was not updated: {e}"
        report.reason = f"{report.reason} (and {note})" if report.reason else note


def _refresh_locked(
    store: Store,
    fetcher: Fetcher,
    scrapers: Iterable[Scraper],
    force: bool,
    max_loss: float,
    progress: Progress | None,
    now: datetime | None,
    previous: str | None,
    t0: float,
) -> RefreshReport:
    def report(
        outcome: str,
        reports: list[SourceReport],
        *,
        snapshot_id: str | None = None,
        diff: Diff | None = None,
        reason: str | None = None,
    ) -> RefreshReport:
        return RefreshReport(
            outcome,
            reports,
            snapshot_id=snapshot_id,
            previous_id=previous,
            diff=diff,
            reason=reason,
            seconds=time.perf_counter() - t0,
        )

    inp, reports = collect(fetcher, scrapers, progress=progress)
    verdict = _judge(store, inp, reports, previous, force=force, max_loss=max_loss, now=now)
    if verdict.outcome == "unchanged":
        assert previous is not None  # only a current version can be unchanged
        if _served_from_a_base_layer(store, previous):
            # Same as a base layer's (the shipped) version: pin it in the writable layer, so replicas
            # sharing this store serve it rather than whatever their own package ships.
            store.set_current(previous)
        return report("unchanged", reports, snapshot_id=previous)
    if verdict.outcome == "refused" or verdict.snapshot is None:
        return report("refused", reports, reason=verdict.reason)
    try:
        store.publish(verdict.snapshot)
    except CatalogError as e:  # disk full, store unreachable: nothing published, the current one stays
        return report("failed", reports, reason=str(e))
    return report("published", reports, snapshot_id=verdict.snapshot.id, diff=verdict.diff)


def _served_from_a_base_layer(store: Store, version: str) -> bool:
    """Whether ``version`` is read from a base layer (the shipped one), not the writable one."""
    return any(v.id == version and v.shipped for v in store.versions())


# ---- Gates: every reason a refresh refuses to publish, in the order a refresh meets them ----------
# 1. A source failed: its fetch or parse raised, or it links to too many documents
#    (``_collect_source`` records the error in its report).
# 2. A source parsed to nothing (``_empty_source``): its report says failed, with why.
#    A failed source (1 or 2) refuses the refresh unless forced (``_judge``).
# 3. The new catalogue has no images: refused, even forced (``Store.check_gates``, via ``_judge``).
# 4. The new catalogue loses more than ``max_loss`` of the current images: refused unless forced
#    (``Store.check_gates``, via ``_judge``).
# A catalogue equal to the current one (same content hash) passes 1-2, then publishes nothing.


def _empty_source(scraper: Scraper, rep: SourceReport, inp: MergeInput) -> str | None:
    """Gate 2: why a source that yielded no images, registries or dates fails; None when it yielded."""
    yielded = rep.images or rep.registries or any(r.lifecycle for _, r in inp.parsed(scraper.name))
    if yielded:
        return None
    return (
        f"{scraper.name} parsed to nothing from {rep.documents} document(s)"
        + (f" ({'; '.join(rep.moved)})" if rep.moved else "")
        + "; the upstream format may have changed. Check it with 'smcat scrape'."
    )


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What the gates decided: ``publish`` (``snapshot``, with its ``diff``), ``unchanged`` or ``refused``."""

    outcome: str
    snapshot: Snapshot | None = None
    diff: Diff | None = None
    reason: str | None = None


def _judge(
    store: Store,
    inp: MergeInput,
    reports: list[SourceReport],
    previous: str | None,
    *,
    force: bool,
    max_loss: float,
    now: datetime | None,
) -> _Verdict:
    """Run the gates over one refresh's sources; merges them only when the sources pass."""
    failed = [r for r in reports if r.status == "failed"]
    if failed and not force:
        return _Verdict("refused", reason="; ".join(f"{r.name}: {r.error}" for r in failed))
    snap = build_snapshot(inp, reports, now=now or datetime.now(UTC))
    if previous and store.load(previous).content_hash == snap.content_hash:
        return _Verdict("unchanged")
    try:
        d = store.check_gates(snap, max_loss=1.0 if force else max_loss)
    except RefreshRefused as e:
        return _Verdict("refused", reason=str(e))
    return _Verdict("publish", snapshot=snap, diff=d)
