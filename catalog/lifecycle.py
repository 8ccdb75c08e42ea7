"""Lifecycle: which images are past their end of patch (EOP), or reach it soon, and what replaces them.

Dates come from the sources (the DLC release YAMLs and support table give GA and end of
patch); images without an end-of-patch date are not listed. Pure: a snapshot and a date in,
rows out.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, TypedDict

from smcat.catalog.models import ImageRecord, Snapshot
from smcat.catalog.versions import parse_image_version, sort_key

__all__ = ["EolRow", "SuccessorRef", "eol_report", "successor"]

_STATUS_ORDER = {"past": 0, "soon": 1}


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


def _line(r: ImageRecord) -> tuple[str, str, str, str, str, str]:
    """What a successor must share: same framework, repository, scope, processor, architecture, platform."""
    return (r.framework, r.repository, r.image_scope, r.processor, r.arch, r.platform or "")


def _supported(r: ImageRecord, today: date) -> bool:
    return not r.eop or r.eop >= today.isoformat()


def successor(record: ImageRecord, candidates: list[ImageRecord], today: date) -> ImageRecord | None:
    """The newest image of the same line with a higher version that is not past its end of patch."""
    mine = parse_image_version(record.version)
    if mine is None:
        return None
    best = None
    for c in candidates:
        v = parse_image_version(c.version)
        if v is None or v <= mine or not _supported(c, today) or _line(c) != _line(record):
            continue
        if best is None or sort_key(c.version) > sort_key(best.version):
            best = c
    return best


def eol_report(
    snapshot: Snapshot, *, today: date, within_days: int = 90, framework: str | None = None
) -> list[EolRow]:
    """Images past end of patch (``past``) or reaching it within ``within_days`` (``soon``).

    Rows are sorted past first, then soon; within each by framework, repository, version
    (oldest first) and processor. ``days_left`` is negative for images already past EOP.
    ``successor`` names the newest supported image of the same line (or None).
    ``framework`` keeps only that canonical framework name.
    """
    by_line: dict[tuple[str, str, str, str, str, str], list[ImageRecord]] = {}
    for r in snapshot.images:
        by_line.setdefault(_line(r), []).append(r)
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
        nxt = successor(r, by_line[_line(r)], today)
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
