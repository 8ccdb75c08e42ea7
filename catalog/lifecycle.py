"""Lifecycle: which images are past their end of patch (EOP), or reach it soon, and what replaces them.

Dates come from the sources (the DLC release YAMLs and support table give GA and end of
patch); images without an end-of-patch date are not listed. Pure: a snapshot and a date in,
rows out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Literal, TypedDict, TypeVar

from smcat.catalog.image_order import within_version_key
from smcat.catalog.models import ImageRecord, Snapshot
from smcat.catalog.versions import parse_image_version, sort_key

__all__ = [
    "EolRow",
    "SuccessorRef",
    "best_first_order",
    "eol_report",
    "first_supported",
    "line_of",
    "newer_in_line",
    "ranked_successors",
    "successor",
    "supported",
]

_STATUS_ORDER = {"past": 0, "soon": 1}

T = TypeVar("T")


class SuccessorRef(TypedDict):
    """The image to move to: its version, pinned tag and end of patch."""

    version: str
    tag: str | None
    eop: str | None


class EolRow(TypedDict):
    """One row of :func:`eol_report` (a JSON object in ``smcat eol --json``)."""

    status: Literal["past", "soon"]
    framework: str
    version: str
    scope: str
    processor: str
    arch: str
    platform: str | None
    py_version: str | None
    repository: str
    tag: str | None
    ga: str | None
    eop: str | None
    days_left: int
    successor: SuccessorRef | None


def line_of(r: ImageRecord) -> tuple[str, str, str, str, str, bool]:
    """What a successor must share: same framework, repository, scope, processor, architecture, and
    platform family (EC2 or not: sources disagree on whether a SageMaker image says ``sagemaker`` or
    nothing, and the resolver treats both alike)."""
    return (r.framework, r.repository, r.image_scope, r.processor, r.arch or "x86_64", r.platform == "ec2")


def supported(r: ImageRecord, today: date) -> bool:
    """Not past its end of patch on ``today`` (an image without an end-of-patch date is supported)."""
    return not r.eop or r.eop >= today.isoformat()


def _self(r: ImageRecord) -> ImageRecord:
    return r


def ranked_successors(
    record: ImageRecord, candidates: Iterable[T], record_of: Callable[[T], ImageRecord]
) -> list[T]:
    """The candidates that may replace ``record``, best first; whether each is supported is asked later.

    A candidate may replace ``record`` when it is of the same line (:func:`line_of`) with a newer
    version; a record whose version cannot be parsed has none. Best first: the newest version,
    then, within a version, the image the resolver would answer (:func:`within_version_key`).
    A caller holding a line already in that order walks it with :func:`newer_in_line` instead
    (the EOL report per line, the resolver per bucket).
    """
    line = line_of(record)
    same = [c for c in candidates if line_of(record_of(c)) == line]
    return list(newer_in_line(record, best_first_order(same, record_of), record_of))


def newer_in_line(
    record: ImageRecord, line: Iterable[T], record_of: Callable[[T], ImageRecord]
) -> Iterator[T]:
    """Of ``line`` (candidates of ``record``'s line, best first: see :func:`best_first_order`), the
    ones with a newer version than ``record``, in that order; none when its version cannot be
    parsed. It stops at the first that is not newer, so a caller holding each line once, in order
    (the resolver, per bucket) pays only for the candidates it looks at."""
    mine = parse_image_version(record.version)
    if mine is None:
        return
    for c in line:
        v = parse_image_version(record_of(c).version)
        if v is None:
            continue
        if v <= mine:
            return
        yield c


def best_first_order(candidates: Iterable[T], record_of: Callable[[T], ImageRecord]) -> list[T]:
    """``candidates`` newest version first and, within a version, in :func:`within_version_key` order."""
    out = sorted(candidates, key=lambda c: sort_key(record_of(c).version), reverse=True)
    i = 0
    while i < len(out):  # the within-version key only where a version has several images
        j = i + 1
        version = record_of(out[i]).version
        while j < len(out) and record_of(out[j]).version == version:
            j += 1
        if j - i > 1:
            out[i:j] = sorted(out[i:j], key=lambda c: within_version_key(record_of(c)))
        i = j
    return out


def first_supported(
    ranked: Iterable[T],
    today: date,
    record_of: Callable[[T], ImageRecord],
    available: Callable[[T], bool] | None = None,
) -> T | None:
    """The successor: the first of ``ranked`` (from :func:`ranked_successors`) supported on ``today``.

    ``available`` narrows it further: the resolver passes "published in the region asked", so a
    past-EOP warning never names an image the user cannot pull where they are; the EOL report
    passes nothing (a catalogue-wide answer).
    """
    for c in ranked:
        if supported(record_of(c), today) and (available is None or available(c)):
            return c
    return None


def successor(record: ImageRecord, candidates: Iterable[ImageRecord], today: date) -> ImageRecord | None:
    """The newest image of the same line with a higher version that is not past its end of patch."""
    return first_supported(ranked_successors(record, candidates, _self), today, _self)


def eol_report(
    snapshot: Snapshot, *, today: date, within_days: int = 90, framework: str | None = None
) -> list[EolRow]:
    """Images past end of patch (``past``) or reaching it within ``within_days`` (``soon``).

    Rows are sorted past first, then soon; within each by framework, repository, version
    (oldest first) and processor. ``days_left`` is negative for images already past EOP.
    ``successor`` names the newest supported image of the same line (or None).
    ``framework`` keeps only that canonical framework name.
    """
    by_line: dict[tuple[str, str, str, str, str, bool], list[ImageRecord]] = {}
    for r in snapshot.images:
        by_line.setdefault(line_of(r), []).append(r)
    ordered: dict[tuple[str, str, str, str, str, bool], list[ImageRecord]] = {}  # once per line with a row
    rows: list[EolRow] = []
    for r in snapshot.images:
        if not r.eop or (framework and r.framework != framework):
            continue
        try:
            eop = date.fromisoformat(r.eop)
        except ValueError:  # a source gave a date we cannot read; not a lifecycle fact then
            continue
        days_left = (eop - today).days
        if days_left > within_days:
            continue
        line = line_of(r)
        if line not in ordered:
            ordered[line] = best_first_order(by_line[line], _self)
        nxt = first_supported(newer_in_line(r, ordered[line], _self), today, _self)
        rows.append(
            {
                "status": "past" if days_left < 0 else "soon",
                "framework": r.framework,
                "version": r.version,
                "scope": r.image_scope,
                "processor": r.processor,
                "arch": r.arch,
                "platform": r.platform,
                "py_version": r.py_version,
                "repository": r.repository,
                "tag": r.tag,
                "ga": r.ga,
                "eop": r.eop,
                "days_left": days_left,
                "successor": (
                    {"version": nxt.version, "tag": nxt.tag, "eop": nxt.eop} if nxt is not None else None
                ),
            }
        )
    rows.sort(
        key=lambda x: (
            _STATUS_ORDER[x["status"]],
            x["framework"],
            x["repository"],
            sort_key(x["version"]),
            x["processor"],
            x["tag"] or "",
        )
    )
    return rows
