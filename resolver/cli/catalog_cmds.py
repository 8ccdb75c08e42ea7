"""``smcat refresh``, ``smcat catalog ...`` and ``smcat scrape``: build and inspect the catalogue."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

import click

from smcat.catalog.errors import RefreshRefused
from smcat.catalog.paths import http_cache_dir
from smcat.catalog.plural import plural
from smcat.catalog.snapshot_io import record_to_dict
from smcat.catalog.store import Diff, Store, diff_snapshots
from smcat.catalog.times import now_iso
from smcat.cli.options import catalog_option, json_option
from smcat.cli.output import console, emit_json, err_console, table
from smcat.storage import open_any_store as open_store

if TYPE_CHECKING:
    from smcat.catalog.release_notes import ReleaseNote
    from smcat.scrapers.refresh import RefreshReport, SourceReport
    from smcat.scrapers.scheduler import Run

__all__ = ["register"]

_catalog_opt = catalog_option()
_json_opt = json_option()


def _print_diff(d: Diff, *, limit: int = 20) -> None:
    console.print(
        f"diff {d.old or '(none)'} -> {d.new}: +{plural(len(d.added), 'image')}, "
        f"-{plural(len(d.removed), 'image')}, ~{len(d.changed)} changed, "
        f"regions +{len(d.regions_added)} -{len(d.regions_removed)}"
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


# click >= 8.2 makes ParamType generic; subscripting it here would fail at run time on click 8.1.
class _Interval(click.ParamType):  # type: ignore[type-arg]
    name = "INTERVAL"

    def convert(self, value: str | float, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        from smcat.scrapers.scheduler import parse_interval

        try:
            return parse_interval(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _note_of(store: Store, report: RefreshReport) -> ReleaseNote | None:
    """The release note of a refresh that published (new version against the previous one)."""
    from smcat.catalog.release_notes import summarize

    if report.outcome != "published" or not report.snapshot_id:
        return None
    old = store.load(report.previous_id) if report.previous_id else None
    return summarize(old, store.load(report.snapshot_id))


def _print_note(note: ReleaseNote) -> None:
    for line in note.lines():
        console.print(line, markup=False)


def _print_report(store: Store, report: RefreshReport, as_json: bool) -> None:
    note = _note_of(store, report)
    if as_json:
        emit_json({**report.to_dict(), "summary": note.to_dict() if note else None})
        return
    rows = [
        [s.name, s.status, s.documents, s.images, s.registries, f"{s.seconds:.2f}", s.error or ""]
        for s in report.sources
    ]
    console.print(table("sources", ["source", "status", "docs", "images", "regions", "s", "error"], rows))
    if report.outcome == "published":
        console.print(f"published {report.snapshot_id} in {report.seconds:.2f}s")
        if note:
            _print_note(note)
        if report.diff:
            _print_diff(report.diff)
    elif report.outcome == "unchanged":
        console.print(f"unchanged: the sources give the same catalogue as {report.snapshot_id}")
    elif report.outcome == "failed":  # one line: the reason already says the current version stays
        err_console.print(f"failed: {report.reason}", markup=False)
    else:
        err_console.print(f"refused: {report.reason}", markup=False)
        err_console.print(f"the current version stays: {report.previous_id or '(none)'}", markup=False)


def _exit_code(report: RefreshReport) -> int:
    """0 published or unchanged, 4 refused, 1 failed (the store itself failed)."""
    if report.ok:
        return 0
    return 1 if report.outcome == "failed" else RefreshRefused.exit_code


def _report_of(run: Run) -> RefreshReport | None:
    """The refresh report of a scheduled run (None when the run raised)."""
    return cast("RefreshReport | None", run.result)  # the job is run_refresh: its result is a report


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def _run_loop(
    store: Store,
    once: Callable[[], RefreshReport],
    *,
    every: float,
    jitter: float,
    max_runs: int | None,
    as_json: bool,
) -> int:
    """``refresh --every``: run ``once`` on a schedule until SIGTERM/SIGINT; returns the exit code."""
    import json
    import signal
    import threading

    from smcat.scrapers.scheduler import run_every

    stop = threading.Event()
    signalled: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def report_run(run: Run) -> None:
        rep = _report_of(run)
        nxt = None if run.next_delay is None else round(run.next_delay, 1)
        if as_json:
            data: dict[str, Any] = {"run": run.number, "at": now_iso(), "next_in_seconds": nxt}
            if rep is not None:
                note = _note_of(store, rep)
                data.update(rep.to_dict(), summary=note.to_dict() if note else None)
            else:
                data.update(outcome="error", reason=f"{type(run.error).__name__}: {run.error}")
            click.echo(json.dumps(data, sort_keys=True, default=str))
            return
        if rep is None:
            what = f"error: {type(run.error).__name__}: {run.error}"
        elif rep.outcome == "published":
            note = _note_of(store, rep)
            what = f"published {rep.snapshot_id}" + (f" ({note.headline})" if note else "")
        elif rep.outcome == "unchanged":
            what = f"unchanged {rep.snapshot_id}"
        else:
            what = f"{rep.outcome}: {rep.reason}"
        when = "stopping" if nxt is None else f"next in {_duration(nxt)}"
        click.echo(f"{now_iso()} run {run.number}: {what}; {when}")

    try:
        runs = run_every(once, every, jitter=jitter, stop=stop, on_result=report_run, max_runs=max_runs)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if signalled:
        err_console.print(
            f"stopped by signal {signal.Signals(signalled[0]).name} after {plural(len(runs), 'run')}"
        )
        return 0
    if not runs:
        return 0
    last = _report_of(runs[-1])
    return _exit_code(last) if last is not None else 1


@click.command()
@click.option(
    "--mirror",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Read the sources from DIR (laid out as DIR/HOST/PATH) instead of the network: for "
    "air-gapped sites that sync the sources themselves. (../shared/sources/mirror, which the tests "
    "use, is a development replay of recorded sources, not part of a clone.)",
)
@catalog_option(create=True)
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
    help="Conditional-GET cache directory (default: $XDG_CACHE_HOME/smcat/http, ~/.cache/smcat/http).",
)
@click.option(
    "--every",
    type=_Interval(),
    help="Run in a loop, once per INTERVAL (90s, 30m, 6h, 1d), until SIGTERM or SIGINT.",
)
@click.option(
    "--jitter",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.1,
    show_default=True,
    help="With --every: spread each wait by up to this share of the interval.",
)
@click.option(
    "--max-runs",
    type=click.IntRange(1),
    help="With --every: stop after this many runs (default: run until stopped).",
)
@_json_opt
def refresh(
    mirror: Path | None,
    catalog_dir: str | None,
    force: bool,
    max_loss: float,
    cache_dir: Path | None,
    every: float | None,
    jitter: float,
    max_runs: int | None,
    as_json: bool,
) -> None:
    """Scrape every source, then publish a new catalogue version if anything changed.

    Exit 0 when a version is published or nothing changed; 4 when the refresh is refused
    (a source failed or parsed to nothing, too many images would be lost, or another refresh
    holds the lock); 1 when the store fails (disk full, a corrupt current version): the
    current version is then kept unchanged. A lock left by a refresh that died is taken over.

    With --every, run in a loop (a line, or a JSON line with --json, per run); after a failed
    run retry sooner with exponential backoff. SIGTERM or SIGINT lets a running refresh finish,
    then exits 0. With --max-runs the exit code is the last run's.
    """
    from smcat.scrapers.http import Fetcher, make_session
    from smcat.scrapers.refresh import run_refresh

    store = open_store(catalog_dir)
    fetcher = Fetcher(
        make_session(), cache_dir=None if mirror else (cache_dir or http_cache_dir()), mirror=mirror
    )
    if every is not None:

        def once() -> RefreshReport:
            return run_refresh(store, fetcher, force=force, max_loss=max_loss)

        code = _run_loop(store, once, every=every, jitter=jitter, max_runs=max_runs, as_json=as_json)
        raise click.exceptions.Exit(code)

    status = None
    if not as_json:
        status = err_console.status("refreshing...")
        status.start()

    def progress(event: str, rep: SourceReport) -> None:
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
    _print_report(store, report, as_json)
    if not report.ok:
        raise click.exceptions.Exit(_exit_code(report))


@click.group()
def catalog() -> None:
    """List, show, diff and pin catalogue versions; list source conflicts."""


@catalog.command()
@_catalog_opt
@_json_opt
def versions(catalog_dir: str | None, as_json: bool) -> None:
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
def show(version: str | None, catalog_dir: str | None, framework: str | None, as_json: bool) -> None:
    """Show a version (default: current): its sources and images."""
    from smcat.catalog.names import canonical_framework

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
        f"version {snap.id} (created {snap.created_at}): {plural(len(snap.images), 'image')}, "
        f"{plural(len(snap.regions), 'region')}, {plural(len(snap.conflicts), 'conflict')}"
        + (
            " ("
            + ", ".join(f"{k}: {n}" for k, n in sorted(Counter(c.kind for c in snap.conflicts).items()))
            + ")"
            if snap.conflicts
            else ""
        )
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
@click.option("--markdown", is_flag=True, help="Print the release note of NEW against OLD as Markdown.")
def diff(old: str, new: str | None, catalog_dir: str | None, as_json: bool, markdown: bool) -> None:
    """Diff two versions (NEW defaults to the current one): a summary, then every image.

    Versions: id, id prefix, hash or date.
    """
    from smcat.catalog.release_notes import summarize

    store = open_store(catalog_dir)
    a, b = store.load(old), store.load(new)
    d, note = diff_snapshots(a, b), summarize(a, b)
    if markdown:
        click.echo(note.to_markdown(), nl=False)
    elif as_json:
        emit_json({**d.to_dict(), "summary": note.to_dict()})
    else:
        _print_note(note)
        _print_diff(d, limit=200)


@catalog.command()
@click.argument("version", required=False)
@_catalog_opt
@_json_opt
@click.option("--markdown", is_flag=True, help="Print the note as Markdown (a release note).")
def notes(version: str | None, catalog_dir: str | None, as_json: bool, markdown: bool) -> None:
    """What VERSION (default: current) brought against the version before it.

    New frameworks, versions and regions, retired ones, and changed images.
    """
    from smcat.catalog.release_notes import note_for

    note = note_for(open_store(catalog_dir), version)
    if markdown:
        click.echo(note.to_markdown(), nl=False)
    elif as_json:
        emit_json(note.to_dict())
    else:
        _print_note(note)


@catalog.command()
@click.argument("version", required=False)
@_catalog_opt
@_json_opt
def conflicts(version: str | None, catalog_dir: str | None, as_json: bool) -> None:
    """Facts the sources disagree on, each claim with the document that made it; and images the
    sources list that the registry said are absent (from 'smcat verify', field "registry")."""
    from smcat.verify_log import VerificationLog

    store = open_store(catalog_dir)
    snap = store.load(version)
    found = [c.to_dict() for c in snap.conflicts] + VerificationLog(store).registry_conflicts(snap)
    if as_json:
        emit_json(found)
        return
    if not found:
        console.print(f"no conflicts in {snap.id}")
        return
    rows = [
        [
            c["subject"],
            c["field"],
            "; ".join(f"{cl['value']} ({cl['url']})" for cl in c["claims"]),
            str(c.get("winner") or ""),
            str(c.get("reason") or ""),
        ]
        for c in found
    ]
    kinds = Counter(c["field"] for c in found)
    title = (
        f"{plural(len(rows), 'conflict')} in {snap.id} ("
        + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
        + ")"
    )
    console.print(table(title, ["subject", "field", "claims", "kept", "why"], rows))


@catalog.command()
@click.argument("version")
@_catalog_opt
@_json_opt
def use(version: str, catalog_dir: str | None, as_json: bool) -> None:
    """Pin the current version to VERSION (roll back or forward)."""
    from smcat.catalog.errors import SmcatError

    store = open_store(catalog_dir)
    try:
        previous = store.load().id
    except SmcatError:  # a missing or broken pointer: 'use' is the repair
        previous = None
    vid = store.set_current(version)
    if as_json:
        emit_json({"catalog": store.location, "current": vid, "previous": previous})
        return
    console.print(f"current version is now {vid} (was {previous or 'none'})")


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
def scrape(source: str, path: Path, url: str | None, as_json: bool) -> None:
    """Parse one document with the named scraper and print the records it yields.

    SOURCE is one of the registered scrapers (see 'smcat scrape --help' footer or
    'smcat sources'). Use it to check a page whose upstream format changed.
    """
    from smcat.scrapers.registry import get

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
        f"{sc.name}: {plural(len(res.images), 'image')}, {plural(len(res.registries), 'registry account')}, "
        f"{plural(len(res.links), 'link')}, {plural(len(res.lifecycle), 'lifecycle entry')}"
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
def sources(as_json: bool) -> None:
    """List the registered sources (scrapers) and where each starts."""
    from smcat.scrapers.registry import SCRAPERS

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
