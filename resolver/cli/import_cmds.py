"""``smcat import`` and ``smcat check``: a thin shell over import_model() / find_problems().

``register(cli)`` adds both commands to a click group. Library errors become a message
on stderr and the error's exit code; ``--json`` prints machine-readable output on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from smcat.catalog.errors import SmcatError
from smcat.catalog.plural import plural

if TYPE_CHECKING:
    from rich.console import Console

    from smcat.importer.limits import ArchiveLimits
    from smcat.importer.request import Progress

__all__ = ["register"]

_Command = TypeVar("_Command", bound=Callable[..., Any])


def _framework_option(f: _Command) -> _Command:
    """``--framework``: any name or alias ``smcat.catalog.names`` knows; the library refuses the rest
    with the list of what it supports (one place for the names, no second list here)."""
    from smcat.importer.contracts import FRAMEWORKS

    return click.option(
        "--framework",
        "-f",
        required=True,
        help=f"{', '.join(FRAMEWORKS)}, or an alias (tf, keras, torch, scikit-learn, xgb, hf...).",
    )(f)


def _kv(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: expected KEY=VALUE", param_hint=what)
        k, _, val = v.partition("=")
        out[k] = val
    return out


def _fail(err: SmcatError, as_json: bool) -> NoReturn:
    """One line (or the CLI's JSON problem document, with the import's details) and the exit code."""
    from smcat.cli.errors import echo_error, problem_of

    echo_error(problem_of(err), as_json)
    sys.exit(err.exit_code)


def _limits(max_members: int | None, max_size: str | None) -> ArchiveLimits:
    """--max-members / --max-size over the SMCAT_IMPORT_MAX_* environment and the defaults."""
    from smcat.importer.limits import ArchiveLimits, parse_size

    base = ArchiveLimits.from_env()
    return ArchiveLimits(
        max_members if max_members is not None else base.max_members,
        parse_size(max_size) if max_size is not None else base.max_bytes,
    )


def _limit_options(f: _Command) -> _Command:
    f = click.option(
        "--max-size",
        default=None,
        metavar="SIZE",
        help="Refuse a model expanding to more than SIZE, e.g. 200G (default 100G, $SMCAT_IMPORT_MAX_SIZE).",
    )(f)
    return click.option(
        "--max-members",
        type=click.IntRange(min=1),
        default=None,
        help="Refuse a model with more files than this (default 100000, $SMCAT_IMPORT_MAX_MEMBERS).",
    )(f)


def _progress_printer(console: Console, quiet: bool) -> tuple[Progress, Callable[[], None]]:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    state: dict[str, Any] = {}  # the upload bar, its task and the archive size, once known

    def progress(event: str, info: dict[str, Any]) -> None:
        if quiet:
            return
        if event == "step":
            if "bar" in state:
                state.pop("bar").stop()
            console.log(f"[bold]{info['title']}[/] {info.get('operation', '')}")
        elif event == "packaged":
            state["size"] = info["size"]
            console.log(f"model.tar.gz: {info['size']} bytes, sha256 {info['sha256']}")
        elif event == "upload_bytes":
            if "bar" not in state:
                bar = Progress(
                    "upload", BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console
                )
                bar.start()
                state["bar"], state["task"] = bar, bar.add_task("upload", total=state.get("size"))
            state["bar"].advance(state["task"], info["bytes"])

    def close() -> None:
        if "bar" in state:
            state.pop("bar").stop()

    return progress, close


def register(cli_group: click.Group) -> None:
    """Add ``import`` and ``check`` to ``cli_group``."""

    @cli_group.command("check")
    @click.argument("model", type=click.Path(exists=True))
    @_framework_option
    @click.option(
        "--version", "-v", "version", default=None, help="Framework version (some rules depend on it)."
    )
    @click.option("--entry-point", type=click.Path(exists=True, dir_okay=False), default=None)
    @click.option("--source-dir", type=click.Path(exists=True, file_okay=False), default=None)
    @click.option("--env", "env", multiple=True, help="KEY=VALUE container environment (e.g. HF_MODEL_ID).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @_limit_options
    def check_cmd(
        model: str,
        framework: str,
        version: str | None,
        entry_point: str | None,
        source_dir: str | None,
        env: tuple[str, ...],
        as_json: bool,
        max_members: int | None,
        max_size: str | None,
    ) -> None:
        """Check a model artifact against its serving container's contract.

        Exit codes: 0 fits, 2 problems found, or the model cannot be checked (not a readable
        .tar.gz, over --max-members / --max-size).
        """
        from smcat.importer.contracts import find_problems

        try:
            report = find_problems(
                model,
                framework,
                version,
                entry_point=entry_point,
                source_dir=source_dir,
                env=_kv(env, "--env"),
                limits=_limits(max_members, max_size),
            )
        except SmcatError as err:
            _fail(err, as_json)
        if as_json:
            click.echo(json.dumps(report.to_dict(), indent=2))
        else:
            for w in report.warnings:
                click.echo(f"warning: {w}", err=True)
            for p in report.problems:
                click.echo(f"problem: {p}")
            if not report.problems:
                members = plural(len(report.entries), "member")
                click.echo(f"ok: {model} fits the {report.framework} container ({members})")
        sys.exit(2 if report.problems else 0)

    @cli_group.command("import")
    @click.argument("model", type=click.Path(exists=True))
    @_framework_option
    @click.option(
        "--version", "-v", "version", required=True, help="Framework version: 2.6, 2.0.4, 1.0-1, ..."
    )
    @click.option(
        "--region",
        "-r",
        default=lambda: os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        help="AWS region (default: $AWS_REGION).",
    )
    @click.option("--role", required=True, help="SageMaker execution role ARN.")
    @click.option(
        "--mode",
        type=click.Choice(["endpoint", "serverless", "batch", "register"]),
        default="endpoint",
        show_default=True,
        help="Real-time endpoint, serverless endpoint, batch transform job, or register the model only.",
    )
    @click.option(
        "--instance-type",
        default=None,
        help="Endpoint / batch instances (default ml.m5.large); serverless takes none.",
    )
    @click.option("--instance-count", type=int, default=1, show_default=True, help="How many instances.")
    @click.option("--image-uri", default=None, help="Custom image (bypasses the catalogue).")
    @click.option("--py-version", default=None, help="Python version of the image, e.g. py310.")
    @click.option("--bucket", default=None, help="Default: sagemaker-<region>-<account>.")
    @click.option("--prefix", default="smcat", show_default=True, help="S3 key prefix.")
    @click.option("--name", default=None, help="Base name (default: the model's file name).")
    @click.option("--entry-point", type=click.Path(exists=True, dir_okay=False), default=None)
    @click.option("--source-dir", type=click.Path(exists=True, file_okay=False), default=None)
    @click.option("--env", "env", multiple=True, help="KEY=VALUE container environment (repeatable).")
    @click.option("--tag", "tags", multiple=True, help="KEY=VALUE tag (repeatable).")
    @click.option("--serverless-memory", type=int, default=2048, show_default=True, help="MB (serverless).")
    @click.option("--serverless-concurrency", type=int, default=5, show_default=True, help="Max concurrency.")
    @click.option("--batch-input", default=None, help="s3:// input prefix (batch).")
    @click.option("--batch-output", default=None, help="s3:// output prefix (batch).")
    @click.option("--content-type", default=None, help="Input content type (batch), e.g. text/csv.")
    @click.option(
        "--split-type",
        type=click.Choice(["None", "Line", "RecordIO", "TFRecord"]),
        default=None,
        help="How batch input is split into records.",
    )
    @click.option(
        "--packaging",
        type=click.Choice(["archive", "training-job"]),
        default="archive",
        show_default=True,
        help="Build model.tar.gz here, or let a SageMaker training job build it.",
    )
    @click.option(
        "--fixed-key",
        is_flag=True,
        help="Upload to PREFIX/NAME/model.tar.gz instead of PREFIX/NAME/<sha12>/model.tar.gz.",
    )
    @click.option("--overwrite", is_flag=True, help="With --fixed-key: replace a different object there.")
    @click.option("--keep-on-failure", is_flag=True, help="Leave what was created if a later step fails.")
    @click.option("--no-wait", is_flag=True, help="Do not wait for the endpoint / transform job.")
    @click.option("--dry-run", is_flag=True, help="Print the plan; call nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print the plan / result as JSON.")
    @click.option("--resolver-url", default=None, help="Resolve the image through an smcat service.")
    @click.option("--endpoint-url", default=None, help="AWS endpoint (e.g. a local moto server).")
    @click.option("--profile", default=None, help="AWS profile (default: the standard chain).")
    @_limit_options
    def import_cmd(model: str, **o: Any) -> None:
        """Package, upload, register and deploy a model trained elsewhere.

        Without --bucket the archive goes to the SageMaker SDK's default bucket,
        sagemaker-<region>-<account>, created when missing (public access blocked, encrypted);
        a bucket named with --bucket must exist. Values of secret-looking --env variables
        (TOKEN, SECRET, PASSWORD, KEY...) are shown as <redacted>.

        Exit codes: 0 done, 2 invalid arguments or model, 5 a different object at a --fixed-key
        key, 6 a step failed after resources were created (the message lists them).
        """
        from rich.console import Console

        from smcat.importer import import_model

        if not o["region"]:
            raise click.UsageError("--region is required (or set AWS_REGION)")
        console = Console(stderr=True)
        progress, close = _progress_printer(console, o["as_json"])
        session = None
        if not o["dry_run"]:
            import boto3

            session = boto3.Session(profile_name=o["profile"], region_name=o["region"])
        try:
            limits = _limits(o["max_members"], o["max_size"])
            result = import_model(
                model,
                framework=o["framework"],
                version=o["version"],
                region=o["region"],
                role=o["role"],
                mode=o["mode"],
                image_uri=o["image_uri"],
                resolver_url=o["resolver_url"],
                py_version=o["py_version"],
                bucket=o["bucket"],
                prefix=o["prefix"],
                name=o["name"],
                instance_type=o["instance_type"],
                instance_count=o["instance_count"],
                entry_point=o["entry_point"],
                source_dir=o["source_dir"],
                env=_kv(o["env"], "--env"),
                tags=_kv(o["tags"], "--tag"),
                serverless_memory_mb=o["serverless_memory"],
                serverless_max_concurrency=o["serverless_concurrency"],
                batch_input=o["batch_input"],
                batch_output=o["batch_output"],
                content_type=o["content_type"],
                split_type=o["split_type"],
                packaging=o["packaging"],
                overwrite=o["overwrite"],
                content_addressed=not o["fixed_key"],
                limits=limits,
                dry_run=o["dry_run"],
                keep_on_failure=o["keep_on_failure"],
                wait=not o["no_wait"],
                boto3_session=session,
                endpoint_url=o["endpoint_url"],
                progress=progress,
            )
        except SmcatError as err:
            close()
            _fail(err, o["as_json"])
        close()
        if o["dry_run"]:
            click.echo(result.plan.to_json() if o["as_json"] else result.plan.to_text())
        elif o["as_json"]:
            click.echo(json.dumps(result.to_dict(), indent=2, default=str))
        else:
            for label, value in (
                ("image", result.image_uri),
                ("model data", f"{result.s3_url} ({'uploaded' if result.uploaded else 'already there'})"),
                ("sha256", result.sha256),
                ("model", result.model_arn or result.model_name),
                ("endpoint", result.endpoint_arn or result.endpoint_name),
                ("transform job", result.transform_job_arn or result.transform_job_name),
            ):
                if value:
                    click.echo(f"{label:14} {value}")
