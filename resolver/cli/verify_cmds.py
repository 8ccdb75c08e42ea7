"""``smcat verify``: ask the registry whether images exist, pin them by digest, record what it said.

Exit codes: 0 every image exists, 3 at least one is missing, 5 at least one could not be
checked (and none is missing), 2 invalid input.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import click

from smcat.catalog.errors import CatalogError, InvalidQuery, SmcatError
from smcat.catalog.plural import plural
from smcat.cli.options import catalog_option, json_option
from smcat.cli.output import console, emit_json, err_console, table
from smcat.verify import EXIT_CODES, MISSING, UNKNOWN, Verification, Verifier, parse_image_uri
from smcat.verify_log import VerificationLog, catalog_targets, verify_many

if TYPE_CHECKING:
    from smcat.catalog.resolve import Resolution
    from smcat.catalog.store import Store

__all__ = ["exit_code_of", "register", "report_resolution", "stored_note"]

#: What to verify: an image URI and the catalogue image key it came from (None for a URI given).
_Target = tuple[str, str | None]


def exit_code_of(results: list[Verification]) -> int:
    """3 when any image is missing (a definite answer), else 5 when any could not be checked, else 0."""
    statuses = {v.status for v in results}
    if MISSING in statuses:
        return EXIT_CODES[MISSING]
    return EXIT_CODES[UNKNOWN] if UNKNOWN in statuses else 0


def _fail(
    message: str, as_json: bool, code: int = 2, *, field: str = "", valid: list[str] | None = None
) -> NoReturn:
    from smcat.cli.errors import echo_error, problem_of

    echo_error(problem_of(InvalidQuery(message, field=field, valid=valid)), as_json)
    sys.exit(code)


def _record(log: VerificationLog | None, results: list[Verification]) -> None:
    if log is None:
        return
    try:
        log.record(results)
    except (OSError, SmcatError) as e:  # the answer stands; only the record is lost
        err_console.print(f"warning: could not record the verification at {log.location}: {e}")


def _summary(results: list[Verification]) -> dict[str, Any]:
    c = Counter(v.status for v in results)
    return {
        "checked": len(results),
        "exists": c["exists"],
        "missing": c["missing"],
        "unknown": c["unknown"],
        "from_log": sum(v.cached for v in results),
        "requests": sum(v.attempts for v in results),
        "reasons": dict(sorted(Counter(v.reason for v in results).items())),
    }


@click.command("verify")
@click.argument("uris", nargs=-1, metavar="[URI]...")
@click.option("--catalog-sample", "sample", type=click.IntRange(min=1), help="Check N catalogue images.")
@click.option("--all", "all_", is_flag=True, help="Check every catalogue image in --region.")
@click.option("--region", "-r", help="Region of the catalogue images to check (with --catalog-sample/--all).")
@click.option("--seed", type=int, help="Seed of the --catalog-sample draw (default: a new draw each run).")
@click.option(
    "--concurrency", default=8, show_default=True, type=click.IntRange(1, 64), help="Requests in flight."
)
@click.option(
    "--fresh-for",
    "fresh_hours",
    type=click.FloatRange(min=0),
    help="Reuse a recorded answer at most this many hours old instead of asking "
    "(default: 24 for catalogue checks, 0, i.e. always ask, for URIs).",
)
@click.option("--details", is_flag=True, help="Also call DescribeImages for pushed-at and size.")
@click.option("--no-record", is_flag=True, help="Do not record the answers in the catalogue.")
@click.option("--endpoint-url", envvar="SMCAT_ECR_ENDPOINT_URL", help="ECR endpoint (tests, VPC endpoints).")
@click.option("--catalog-version", help="Catalogue version whose images to check (default current).")
@catalog_option()
@json_option("Print the answers and a summary as JSON (errors too).")
def verify(
    uris: tuple[str, ...],
    sample: int | None,
    all_: bool,
    region: str | None,
    seed: int | None,
    concurrency: int,
    fresh_hours: float | None,
    details: bool,
    no_record: bool,
    endpoint_url: str | None,
    catalog_version: str | None,
    catalog_dir: str | None,
    as_json: bool,
) -> None:
    """Ask Amazon ECR whether images exist, and pin each one by its digest.

    \b
    smcat verify 763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312
    smcat resolve -f pytorch -v 2.6 --gpu -r eu-west-1 --verify
    smcat verify --catalog-sample 50 --region eu-west-1

    Uses your AWS credentials (profile, environment, role; AWS_ENDPOINT_URL is honoured) and
    ECR BatchGetImage in each image's own region. An image is "exists" (with its digest),
    "missing" (tag or repository absent) or "unknown" (no credentials, access denied, throttled:
    the reason is named). Answers are recorded beside the catalogue (verifications.json).
    Exit 0 all exist, 3 some missing, 5 some could not be checked, 2 invalid input.
    """
    from smcat.storage import open_any_store

    catalog_mode = bool(sample or all_)
    if catalog_mode and uris:
        _fail("Give image URIs or --catalog-sample/--all, not both.", as_json)
    if not catalog_mode and not uris:
        _fail("Nothing to verify: give image URIs, or --catalog-sample N / --all with --region R.", as_json)
    targets: Sequence[_Target]
    try:
        store = open_any_store(catalog_dir)
        if catalog_mode:
            targets = _catalog_sample(store, catalog_version, region, None if all_ else sample, seed, as_json)
        else:
            targets = [(u, None) for u in uris]
            for u, _ in targets:
                parse_image_uri(u)
    except InvalidQuery as e:
        _fail(str(e), as_json, field=e.field, valid=e.valid[:50])
    hours = fresh_hours if fresh_hours is not None else (24.0 if catalog_mode else 0.0)
    log = VerificationLog(store)
    verifier = Verifier(endpoint_url=endpoint_url, details=details)
    results = _run(targets, verifier, log, hours, concurrency, show_bar=catalog_mode and not as_json)
    if not no_record:
        _record(log, [v for v in results if not v.cached])
    code = exit_code_of(results)
    summary = _summary(results)
    if as_json:
        emit_json({"results": [v.to_dict() for v in results], "summary": summary, "exit_code": code})
        sys.exit(code)
    if not catalog_mode and len(results) == 1:
        _print_one(results[0])
    else:
        _print_table(results, summary, only_problems=catalog_mode)
    sys.exit(code)


def _catalog_sample(
    store: Store, version: str | None, region: str | None, n: int | None, seed: int | None, as_json: bool
) -> list[tuple[str, str]]:
    if not region:
        raise InvalidQuery("--catalog-sample/--all need --region, e.g. --region eu-west-1.", field="region")
    snap = store.load(version)
    targets = catalog_targets(snap, region)
    if not targets:
        raise InvalidQuery(
            f"The catalogue {snap.id} has no images in {region!r}.",
            field="region",
            valid=sorted(snap.regions),
        )
    if n is not None and n < len(targets):
        targets = sorted(random.Random(seed).sample(targets, n))
    return targets


def _run(
    targets: Sequence[_Target],
    verifier: Verifier,
    log: VerificationLog | None,
    hours: float,
    concurrency: int,
    *,
    show_bar: bool,
) -> list[Verification]:
    """Verify (fresh answers read from the log); recording is left to the caller (``--no-record``)."""
    use_log = log is not None and bool(hours)

    def run(progress: Callable[[Verification], None] | None = None) -> list[Verification]:
        return verify_many(
            targets,
            verifier=verifier,
            concurrency=concurrency,
            record=False,
            log=log if use_log else None,
            max_age=timedelta(hours=hours) if use_log else None,
            progress=progress,
        )

    if not show_bar:
        return run()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "verify", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task("verify", total=len(targets))
        return run(lambda _v: bar.advance(task))


def _print_one(v: Verification) -> None:
    if v.status == "exists":
        console.print(v.pinned_uri)
        extra = ", ".join(
            f"{k} {val}"
            for k, val in (("media type", v.media_type), ("size", v.size), ("pushed", v.pushed_at))
            if val
        )
        err_console.print(f"exists: {v.uri} ({extra}), checked {v.checked_at}")
    elif v.status == "missing":
        err_console.print(f"missing ({v.reason}): {v.message}")
    else:
        err_console.print(f"could not check ({v.reason}): {v.message}")


def _print_table(results: list[Verification], summary: dict[str, Any], *, only_problems: bool) -> None:
    shown = [v for v in results if v.status != "exists"] if only_problems else results
    if shown:
        rows = [
            [
                v.status,
                v.reason,
                f"{v.repository}:{v.tag}" if v.tag else v.repository,
                v.account,
                v.region,
                v.digest[:19] if v.digest else None,
            ]
            for v in shown[:50]
        ]
        title = (
            f"{plural(len(shown), 'problem' if only_problems else 'image')} (full URIs and digests: --json)"
        )
        t = table(title, ["status", "reason", "image", "account", "region", "digest"], rows)
        t.columns[1].overflow = t.columns[2].overflow = "fold"  # narrow terminals: wrap, never cut
        console.print(t)
        if len(shown) > 50:
            console.print(f"... and {len(shown) - 50} more (use --json for all)")
    rows = [[k, summary[k]] for k in ("checked", "exists", "missing", "unknown", "from_log", "requests")]
    rows += [[f"reason: {k}", n] for k, n in summary["reasons"].items()]
    console.print(table("summary", ["", "count"], rows))


# --------------------------------------------------------------------------- used by `smcat resolve`


def stored_note(store: Store, uri: str) -> str | None:
    """ "verified on <date>: exists, digest ..." from the catalogue's verification log, or None."""
    try:
        v = VerificationLog(store).get(uri)
    except (OSError, CatalogError):
        return None
    if v is None:
        return None
    if v.status == "exists":
        return f"verified on {v.checked_at}: exists, digest {v.digest}"
    return f"verified on {v.checked_at}: {v.status} ({v.reason})"


def report_resolution(res: Resolution, store: Store, d: dict[str, Any], as_json: bool) -> None:
    """``smcat resolve --verify``: check the resolved image, record it, print the pinned URI; exits."""
    v = Verifier().verify(res)
    _record(VerificationLog(store), [v])
    if as_json:
        emit_json(d | {"verification": v.to_dict(), "pinned_uri": v.pinned_uri})
        sys.exit(v.exit_code)
    if v.status == "exists":
        console.print(v.pinned_uri)
        err_console.print(f"exists: {v.uri}, digest {v.digest}, checked {v.checked_at}")
    else:
        _print_one(v)
    sys.exit(v.exit_code)


def register(cli: click.Group) -> None:
    """Add ``verify`` to the main group."""
    cli.add_command(verify)
