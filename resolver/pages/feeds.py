"""Feeds to subscribe to: ``GET /catalog/feed.atom`` (catalogue changes) and ``GET /catalog/eol.ics``.

The Atom feed has one entry per catalogue version that added, removed or changed images
(compared with the version before it), newest first, the release note as its content; the
calendar has one all-day event per framework version and end-of-patch date. Both take
``?framework=`` (aliases accepted) and carry an ETag.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smcat.catalog.models import ImageRecord, Snapshot
from smcat.catalog.release_notes import ReleaseNote, summarize
from smcat.catalog.resolve import framework_info
from smcat.catalog.store import Store
from smcat.catalog.versions import sort_key
from smcat.service.schemas import ErrorBody

__all__ = ["FEED_VERSIONS", "atom_feed", "eol_calendar", "router"]

router = APIRouter(prefix="/catalog", tags=["feeds"])

#: How many of the newest catalogue versions the Atom feed looks at.
FEED_VERSIONS = 30
_ATOM = "http://www.w3.org/2005/Atom"
FrameworkQuery = Annotated[
    str | None, Query(description="only this framework (canonical name or alias, e.g. torch)")
]


def _only(snap: Snapshot, framework: str | None) -> Snapshot:
    if framework is None:
        return snap
    return dataclasses.replace(snap, images=tuple(r for r in snap.images if r.framework == framework))


def _notes(store: Store, framework: str | None) -> list[ReleaseNote]:
    """Release notes of the newest versions that changed images, newest first."""
    ids = [v.id for v in store.versions()][-(FEED_VERSIONS + 1) :]
    notes: list[ReleaseNote] = []
    prev: Snapshot | None = None
    for i, vid in enumerate(ids):
        new = store.load(vid)
        if i > 0 or len(ids) <= FEED_VERSIONS:  # the oldest listed one only serves as a baseline
            old = _only(prev, framework) if prev is not None else None
            note = summarize(old, _only(new, framework))
            if note.images_added or note.images_removed or note.changes.images:
                notes.append(note)
        prev = new
    return notes[::-1]


def atom_feed(
    notes: list[ReleaseNote], *, self_url: str, site: str, framework: str | None, updated: str
) -> bytes:
    """An Atom 1.0 document with one entry per release note (``site``: the pages' base URL)."""
    ET.register_namespace("", _ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{_ATOM}}}feed")
    what = f" ({framework})" if framework else ""
    sub(feed, "id", "urn:smcat:catalog-changes" + (f":{framework}" if framework else ""))
    sub(feed, "title", f"smcat catalogue changes{what}")
    sub(
        feed,
        "subtitle",
        "SageMaker prebuilt container images added, removed or changed, per catalogue version",
    )
    sub(feed, "updated", notes[0].created_at if notes else updated)
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=f"{site}/changes")
    sub(sub(feed, "author"), "name", "smcat")
    sub(feed, "generator", "smcat")
    for note in notes:
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:smcat:catalog:{note.new}" + (f":{framework}" if framework else ""))
        sub(entry, "title", note.headline)
        sub(entry, "updated", note.created_at)
        query = urlencode({"from": note.old, "to": note.new}) if note.old else ""
        href = f"{site}/changes?{query}#diff" if query else f"{site}/changes"
        sub(entry, "link", rel="alternate", type="text/html", href=href)
        sub(entry, "summary", note.headline)
        sub(entry, "content", note.to_markdown(), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _ics_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 3.1: lines of at most 75 octets, continued on lines that start with a space."""
    out: list[str] = []
    cur = ""
    for ch in line:
        if len((cur + ch).encode()) > 75:
            out.append(cur)
            cur = " "
        cur += ch
    return [*out, cur]


def eol_calendar(snapshot: Snapshot, *, site: str, framework: str | None) -> bytes:
    """An iCalendar document: one all-day event per (framework, version, end-of-patch date)."""
    groups: dict[tuple[str, str, date], list[ImageRecord]] = defaultdict(list)
    for r in snapshot.images:
        if not r.eop or (framework and r.framework != framework):
            continue
        try:
            eop = date.fromisoformat(r.eop)
        except ValueError:  # a date we cannot read is not a lifecycle fact
            continue
        groups[(r.framework, r.version, eop)].append(r)
    stamp = re.sub(r"[-:]", "", snapshot.created_at.split(".")[0].replace("+00:00", "")).rstrip("Z") + "Z"
    name = "smcat end of patch" + (f" ({framework})" if framework else "")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//smcat//SageMaker image end of patch//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(name)}",
    ]
    for (fw, version, eop), recs in sorted(
        groups.items(), key=lambda kv: (kv[0][2], kv[0][0], sort_key(kv[0][1]))
    ):
        scopes = ", ".join(sorted({r.image_scope for r in recs}))
        procs = ", ".join(sorted({r.processor for r in recs}))
        repos = ", ".join(sorted({r.repository for r in recs}))
        uid = re.sub(r"[^A-Za-z0-9.-]", "-", f"{fw}-{version}-{eop:%Y%m%d}") + "@smcat"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{eop:%Y%m%d}",
            f"DTEND;VALUE=DATE:{eop + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(f'{fw} {version}: end of patch')}",
            "DESCRIPTION:"
            + _ics_text(
                f"{fw} {version} images stop getting patches on {eop.isoformat()}.\n"
                f"Scopes: {scopes}. Processors: {procs}. Repositories: {repos}.\n"
                f"Catalogue {snapshot.id}."
            ),
            f"URL:{site}/framework/{fw}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(x for line in lines for x in _fold(line)) + "\r\n").encode()


def _etag(*parts: str) -> str:
    return '"' + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32] + '"'


def _send(request: Request, etag: str, make: Callable[[], bytes], media_type: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": request.app.state.cache_control}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(make(), media_type=media_type, headers=headers)


def _site(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/feed.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}, 304: {}, 422: {"model": ErrorBody}},
)
def feed(request: Request, framework: FrameworkQuery = None) -> Response:
    """Atom feed: one entry per catalogue version that added, removed or changed images."""
    holder = request.app.state.holder
    snap = holder.snapshot
    fw = framework_info(snap, framework)["framework"] if framework else None
    ids = [v.id for v in holder.store.versions()]
    etag = _etag("atom", str(request.url), snap.id, *ids[-(FEED_VERSIONS + 1) :])
    return _send(
        request,
        etag,
        lambda: atom_feed(
            _notes(holder.store, fw),
            self_url=str(request.url),
            site=_site(request),
            framework=fw,
            updated=snap.created_at,
        ),
        "application/atom+xml; charset=utf-8",
    )


@router.get(
    "/eol.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 304: {}, 422: {"model": ErrorBody}},
)
def eol(request: Request, framework: FrameworkQuery = None) -> Response:
    """iCalendar feed of end-of-patch dates, one all-day event per framework version."""
    snap = request.app.state.holder.snapshot
    fw = framework_info(snap, framework)["framework"] if framework else None
    return _send(
        request,
        _etag("ics", str(request.url), snap.id),
        lambda: eol_calendar(snap, site=_site(request), framework=fw),
        "text/calendar; charset=utf-8",
    )
