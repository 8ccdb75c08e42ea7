"""``smcat refresh``, ``smcat catalog ...`` and ``smcat scrape``: build and inspect the catalogue."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from catalog.errors import RefreshRefused
from catalog.snapshot_io import record_to_dict
from catalog.store import Diff, open_store
from resolver.cli.output import console, emit_json, err_console, table

__all__ = ["register"]

_catalog_opt = click.option(
    "--catalog",
    "catalog_dir",
    envvar="SMCAT_CATALOG",
    type=click.Path(file_okay=False, path_type=Path),
    help="Catalogue directory (default: $SMCAT_CATALOG or ~/.local/share/smcat/catalog, "
    "overlaid on the snapshot shipped with smcat).",
)
_json_opt = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _default_http_cache() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smcat" / "http"


def _print_diff(d: Diff, *, limit: int = 20) -> None:
    console.print(
        f"diff {d.old or '(none)'} -> {d.new}: +{len(d.added)} images, -{len(d.removed)} images, "
        f"~{len(d.changed)} changed, regions +{len(d.regions_added)} -{len(d.regions_removed)}"
    )
    for label, items in (("+", d.added), ("-", d.removed)):
        for k in items[:limit]:
            console.print(f"  {label} {k}")
        if len(items) > limit:
            console.print(f"  {label} ... and {len(items) - limit} more (use --json for all)")
    for k, fields in d.changed[:limit]:
        console.print(f"  ~ {k}: {', '.join(fields)}")
    for r in d.regions_added:
        console.print(f"  + region {r}")
    for r in d.regions_removed:
        console.print(f"  - region {r}")


@click.command()
@click.option(
    "--mirror",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Read sources from a mirror directory laid out as DIR/HOST/PATH instead of the network.",
)
@_catalog_opt
@click.option("--force", is_flag=True, help="Publish even if a source failed or many images would be lost.")
@click.option(
    "--max-loss",
    type=click.FloatRange(0, 1),
    default=0.10,
    show_default=True,
    help="Refuse to publish when more than this share of the current images would disappear.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SMCAT_HTTP_CACHE",
    help="Conditional-GET cache directory (default: <catalog>/http-cache).",
)
@_json_opt
def refresh(mirror, catalog_dir, force, max_loss, cache_dir, as_json) -> None:
    """Scrape every source, then publish a new catalogue version if anything changed.

    Exit 0 when a version is published or nothing changed; 4 when the refresh is refused
    (a source failed or parsed to nothing, or too many images would be lost): the current
    version is then kept unchanged.
    """
    from scrapers.http import Fetcher, make_session
    from scrapers.refresh import run_refresh

    store = open_store(catalog_dir)
    fetcher = Fetcher(
        make_session(), cache_dir=None if mirror else (cache_dir or _default_http_cache()), mirror=mirror
    )
    status = None
    if not as_json:
        status = err_console.status("refreshing...")
        status.start()

    def progress(event, rep):
        if status is not None:
            if event == "start":
                status.update(f"fetching and parsing [bold]{rep.name}[/bold] ...")
            else:
                err_console.print(
                    f"  {rep.name:24} {rep.status:7} {rep.documents:4} docs {rep.seconds:6.2f}s"
                )

    try:
        report = run_refresh(store, fetcher, force=force, max_loss=max_loss, progress=progress)
    finally:
        if status is not None:
            status.stop()
    if as_json:
        emit_json(report.to_dict())
    else:
        rows = [
            [s.name, s.status, s.documents, s.images, s.registries, f"{s.seconds:.2f}", s.error or ""]
            for s in report.sources
        ]
        console.print(table("sources", ["source", "status", "docs", "images", "regions", "s", "error"], rows))
        if report.outcome == "published":
            console.print(f"published {report.snapshot_id} in {report.seconds:.2f}s")
            if report.diff:
                _print_diff(report.diff)
        elif report.outcome == "unchanged":
            console.print(f"unchanged: the sources give the same catalogue as {report.snapshot_id}")
        else:
            err_console.print(f"refused: {report.reason}")
            err_console.print(f"the current version stays: {report.previous_id or '(none)'}")
    if not report.ok:
        raise click.exceptions.Exit(RefreshRefused.exit_code)


@click.group()
def catalog() -> None:
    """List, show, diff and pin catalogue versions; list source conflicts."""


@catalog.command()
@_catalog_opt
@_json_opt
def versions(catalog_dir, as_json) -> None:
    """List every catalogue version, oldest first (* marks the current one)."""
    vs = open_store(catalog_dir).versions()
    if as_json:
        emit_json([dataclasses.asdict(v) for v in vs])
        return
    rows = [["*" if v.current else "", v.id, v.created_at, "shipped" if v.shipped else "local"] for v in vs]
    console.print(table(None, ["", "version", "created", "where"], rows))


@catalog.command()
@click.argument("version", required=False)
@_catalog_opt
@click.option("--framework", help="Only images of this framework.")
@_json_opt
def show(version, catalog_dir, framework, as_json) -> None:
    """Show a version (default: current): its sources and images."""
    from catalog.names import canonical_framework

    snap = open_store(catalog_dir).load(version)
    imgs = snap.images
    if framework:
        fw = canonical_framework(framework)
        imgs = tuple(r for r in imgs if r.framework == fw)
    if as_json:
        emit_json(
            {
                "id": snap.id,
                "created_at": snap.created_at,
                "sources": snap.sources,
                "registries": snap.registries,
                "images": [record_to_dict(r) for r in imgs],
            }
        )
        return
    console.print(
        f"version {snap.id} (created {snap.created_at}): {len(snap.images)} images, "
        f"{len(snap.regions)} regions, {len(snap.conflicts)} conflicts"
    )
    console.print(
        table(
            "sources",
            ["source", "status", "docs", "images", "fetched"],
            [
                [n, s.get("status"), s.get("documents"), s.get("images"), s.get("fetched_at")]
                for n, s in sorted(snap.sources.items())
            ],
        )
    )
    rows = [
        [
            r.framework,
            r.version,
            r.image_scope,
            r.processor,
            r.py_version,
            r.repository,
            r.tag,
            len(r.accounts),
        ]
        for r in imgs
    ]
    console.print(
        table("images", ["framework", "version", "scope", "proc", "py", "repository", "tag", "regions"], rows)
    )


@catalog.command()
@click.argument("old")
@click.argument("new", required=False)
@_catalog_opt
@_json_opt
def diff(old, new, catalog_dir, as_json) -> None:
    """Diff two versions (NEW defaults to the current one). Versions: id, id prefix, hash or date."""
    d = open_store(catalog_dir).diff(old, new)
    if as_json:
        emit_json(d.to_dict())
    else:
        _print_diff(d, limit=200)


@catalog.command()
@click.argument("version", required=False)
@_catalog_opt
@_json_opt
def conflicts(version, catalog_dir, as_json) -> None:
    """Facts the sources disagree on, each claim with the document that made it."""
    snap = open_store(catalog_dir).load(version)
    if as_json:
        emit_json([c.to_dict() for c in snap.conflicts])
        return
    if not snap.conflicts:
        console.print(f"no conflicts in {snap.id}")
        return
    rows = [[c.subject, c.field, "; ".join(f"{v} ({u})" for v, u in c.claims)] for c in snap.conflicts]
    console.print(table(f"{len(rows)} conflicts in {snap.id}", ["subject", "field", "claims"], rows))


@catalog.command()
@click.argument("version")
@_catalog_opt
def use(version, catalog_dir) -> None:
    """Pin the current version to VERSION (roll back or forward)."""
    vid = open_store(catalog_dir).set_current(version)
    console.print(f"current version is now {vid}")


@click.command()
@click.argument("source")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The document to parse (as fetched from upstream).",
)
@click.option("--url", help="The URL the document came from (default: the source's first start URL).")
@_json_opt
def scrape(source, path, url, as_json) -> None:
    """Parse one document with the named scraper and print the records it yields.

    SOURCE is one of the registered scrapers (see 'smcat scrape --help' footer or
    'smcat sources'). Use it to check a page whose upstream format changed.
    """
    from scrapers.registry import get

    sc = get(source)
    res = sc.parse(path.read_text("utf-8"), url or sc.start_urls[0], fetched_at="")
    data = {
        "source": sc.name,
        "images": [record_to_dict(r) for r in res.images],
        "registries": [
            {"family": r.family, "region": r.region, "account": r.account} for r in res.registries
        ],
        "links": res.links,
        "lifecycle": [
            {"framework": f, "version": v, "ga": g, "eop": e} for (f, v), (g, e) in res.lifecycle.items()
        ],
        "moved": res.moved,
        "warnings": res.warnings,
    }
    if as_json:
        emit_json(data)
        return
    console.print(
        f"{sc.name}: {len(res.images)} images, {len(res.registries)} registry accounts, "
        f"{len(res.links)} links, {len(res.lifecycle)} lifecycle entries"
        + (f", MOVED -> {res.moved}" if res.moved else "")
    )
    for r in res.images[:50]:
        console.print(
            f"  {r.framework} {r.version} {r.image_scope} {r.processor} {r.py_version or '-'} "
            f"{r.repository}:{r.tag}"
        )
    for w in res.warnings:
        err_console.print(f"warning: {w}")


@click.command()
@_json_opt
def sources(as_json) -> None:
    """List the registered sources (scrapers) and where each starts."""
    from scrapers.registry import SCRAPERS

    if as_json:
        emit_json(
            [
                {"name": s.name, "description": s.description, "start_urls": list(s.start_urls)}
                for s in SCRAPERS
            ]
        )
        return
    for s in SCRAPERS:
        console.print(f"[bold]{s.name}[/bold]: {s.description}")
        for u in s.start_urls:
            console.print(f"    {u}")


def register(cli: click.Group) -> None:
    """Add these commands to the main group."""
    for cmd in (refresh, catalog, scrape, sources):
        cli.add_command(cmd)
