"""The catalogue pages: ``/`` (frameworks + resolver form), ``/framework/{name}``, ``/region[/{code}]``,
``/changes`` and their static assets under ``/static/``.

The resolver form's fields are ``GET /image``'s own parameters, so its URL is a link to the
answer and ``/image`` with the same query returns the same thing as JSON. Errors render as a
page with the same status and message ``GET /image`` gives.
"""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smcat.catalog.errors import SmcatError
from smcat.catalog.models import Snapshot
from smcat.catalog.names import known_regions, partition_of
from smcat.catalog.release_notes import summarize
from smcat.catalog.resolve import resolve
from smcat.catalog.store import diff_snapshots
from smcat.pages import views
from smcat.pages.render import HERE, Context, page
from smcat.service.http_errors import error_response
from smcat.service.routes.image import PARAMS

__all__ = ["FORM_FIELDS", "router"]

router = APIRouter(include_in_schema=False)

#: The resolver form's fields, in order: ``GET /image`` parameters.
FORM_FIELDS = ("framework", "version", "region", "instance_type", "processor", "image_scope", "py_version")
PROCESSORS = ("cpu", "gpu", "inf", "neuron", "neuronx", "trn", "graviton")
#: How many keys of each kind a diff page lists before saying "and N more".
DIFF_LIST_MAX = 300


def _error(exc: SmcatError) -> tuple[int, Context]:
    status, body = error_response(exc)
    return status, {"error": body, "title": "Not found" if status == 404 else "Invalid request"}


def _query(request: Request) -> dict[str, str]:
    """The form's non-empty fields, in ``FORM_FIELDS`` order (other parameters are ignored)."""
    q = request.query_params
    return {f: q[f].strip() for f in FORM_FIELDS if f in PARAMS and q.get(f, "").strip()}


def _answer(snapshot: Snapshot, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """What ``GET /image`` answers for ``query`` (``FORM_FIELDS`` only): (status, JSON body)."""
    try:
        res = resolve(
            query["framework"],
            query.get("version", "latest"),
            query.get("region", "us-east-1"),
            snapshot=snapshot,
            instance_type=query.get("instance_type"),
            processor=query.get("processor"),
            image_scope=query.get("image_scope", "inference"),
            py_version=query.get("py_version"),
        )
    except SmcatError as e:
        return error_response(e)
    return 200, res.to_dict()


@router.get("/")
def home(request: Request) -> Response:
    """Frameworks, the resolver form and (when the URL carries a query) its answer."""
    snapshot = request.app.state.holder.snapshot
    query = _query(request)

    def build() -> tuple[int, Context]:
        status, answer = _answer(snapshot, query) if query.get("framework") else (200, None)
        versions: list[str] = []
        if query.get("framework"):
            try:
                versions = [r.version for r in views.version_rows(snapshot, query["framework"])[1]]
            except SmcatError:
                versions = []
        context: Context = {
            "title": "SageMaker container images",
            "frameworks": views.framework_rows(snapshot),
            "regions": views.region_groups(snapshot),
            "processors": PROCESSORS,
            "scopes": sorted({s for f in views.framework_rows(snapshot) for s in f.scopes}),
            "query": query,
            "versions": versions,
            "answer": answer,
            "answer_status": status,
            "json_url": "/image?" + urlencode(query) if query.get("framework") else None,
        }
        return status, context

    return page(request, "home.html", build)


@router.get("/framework/{name}")
def framework_page(name: str, request: Request) -> Response:
    """One framework's versions, newest first, with lifecycle status."""
    snapshot = request.app.state.holder.snapshot
    region = request.query_params.get("region", "")

    def build() -> Context | tuple[int, Context]:
        try:
            info, rows = views.version_rows(snapshot, name)
        except SmcatError as e:
            return _error(e)
        return {
            "title": info["framework"],
            "info": info,
            "rows": rows,
            "region": region,
            "status_of": views.lifecycle_status,
            "labels": views.STATUS_LABELS,
        }

    return page(request, "framework.html", build)


@router.get("/region")
def regions_page(request: Request) -> Response:
    """Every region with images, by partition."""
    snapshot = request.app.state.holder.snapshot
    return page(
        request,
        "regions.html",
        lambda: {"title": "Regions", "regions": views.region_groups(snapshot)},
    )


@router.get("/region/{code}")
def region_page(code: str, request: Request) -> Response:
    """The frameworks and versions one region has, and its registry accounts."""
    snapshot = request.app.state.holder.snapshot

    def build() -> Context | tuple[int, Context]:
        view = views.region_view(snapshot, code)
        if view is None:
            known = sorted(snapshot.regions)
            where = f" (partition {partition_of(code)})" if code in known_regions() else ""
            msg = f"No images in region {code!r}{where}. Regions with images: {', '.join(known)}."
            return 404, {"title": "Not found", "error": {"message": msg}}
        return {"title": code, "view": view}

    return page(request, "region.html", build)


def _readable(key: str) -> str:
    """``pytorch-inference|2.6.0|inference|gpu|x86_64|py312||`` -> ``pytorch-inference 2.6.0 gpu ...``."""
    repo, version, scope, proc, arch, py, platform, variant = (key.split("|") + [""] * 8)[:8]
    return " ".join(x for x in (f"{repo}:{version}", scope, proc, arch, py, platform, variant) if x)


@router.get("/changes")
def changes_page(request: Request) -> Response:
    """Catalogue versions, the diff between two of them, and the conflicts between sources."""
    holder = request.app.state.holder
    q = request.query_params

    def build() -> Context | tuple[int, Context]:
        snapshot = holder.snapshot
        versions = list(reversed(holder.store.versions()))
        context: Context = {
            "title": "Changes",
            "versions": versions,
            "conflicts": [(c, views.winning_claim(snapshot, c)) for c in snapshot.conflicts],
            "diff": None,
            "from_": q.get("from", ""),
            "to": q.get("to", ""),
            "limit": DIFF_LIST_MAX,
        }
        if q.get("from"):
            try:
                old, new = holder.store.load(q["from"]), holder.store.load(q.get("to") or None)
            except SmcatError as e:
                return _error(e)
            d = diff_snapshots(old, new)
            context["diff"] = {
                "note": summarize(old, new),
                "added": [_readable(k) for k in d.added],
                "removed": [_readable(k) for k in d.removed],
                "changed": [(_readable(k), fields) for k, fields in d.changed],
                "regions_added": d.regions_added,
                "regions_removed": d.regions_removed,
                "json_url": "/catalog/diff?" + urlencode({"from": old.id, "to": new.id}),
            }
        return context

    return page(request, "changes.html", build)


_STATIC = {p.name: p for p in (HERE / "static").iterdir()}


@router.get("/static/{name}")
def static(name: str, request: Request) -> Response:
    """The pages' stylesheet and script (versioned by URL, cached for a day)."""
    path = _STATIC.get(name)
    if path is None:
        return Response("Not found. Files: " + ", ".join(sorted(_STATIC)), status_code=404)
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(body, media_type=media, headers=headers)
