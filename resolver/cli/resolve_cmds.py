"""``smcat resolve`` and ``smcat serve``."""

from __future__ import annotations

import sys

import click

from smcat.catalog.plural import plural
from smcat.cli.options import catalog_option, json_option
from smcat.cli.output import console, emit_json, err_console

__all__ = ["register"]


@click.command()
@click.option("--framework", "-f", required=True, help="tensorflow, pytorch, sklearn, ...")
@click.option(
    "--version",
    "-v",
    "version",
    default="latest",
    show_default=True,
    help="2.0 (newest 2.0.x), 2 (newest 2.x), 2.0.4, 1.0-1, or latest.",
)
@click.option(
    "--region",
    "-r",
    default=None,
    help="Region. Default: like boto3 (AWS_REGION, AWS_DEFAULT_REGION, the profile's region).",
)
@click.option(
    "--image-scope", "--scope", default="inference", show_default=True, help="inference, training..."
)
@click.option("--gpu/--cpu", default=None, help="Want a GPU (or CPU) image.")
@click.option("--processor", help="cpu, gpu, inf, neuron, neuronx, graviton.")
@click.option("--instance-type", help="SageMaker instance type, e.g. ml.p3.2xlarge (implies the processor).")
@click.option("--py-version", help="Python version, e.g. py310.")
@click.option("--cuda", help="CUDA version, e.g. cu121.")
@click.option("--os", "os_", help="Operating system, e.g. ubuntu22.04.")
@click.option("--platform", help="sagemaker (default) or ec2 (EC2-only builds, never chosen otherwise).")
@click.option(
    "--base-framework-version",
    help="Hugging Face base framework, as the SDK spells it: pytorch2.1.0, tensorflow2.11.",
)
@click.option("--accelerator-type", help="Elastic Inference accelerator, e.g. ml.eia2.medium (eia images).")
@click.option("--inference-tool", help="neuron or neuronx (Inferentia / Trainium builds).")
@click.option("--container-version", help="A container version the tag must carry, e.g. cu121-ubuntu20.04.")
@click.option("--sdk-version", help="Neuron SDK version of the image, e.g. 2.20.0.")
@click.option("--serverless", is_flag=True, help="For a serverless endpoint (CPU only).")
@click.option(
    "--moving",
    is_flag=True,
    help="Answer with the SageMaker SDK's moving tag (the string image_uris.retrieve() gives), when known.",
)
@click.option("--catalog-version", help="Pin a catalogue version (id, hash) or a date (as of).")
@catalog_option()
@json_option("Print the full answer as JSON (errors too).")
@click.option(
    "--verify",
    "verify_",
    is_flag=True,
    help="Ask ECR that the image exists and print it pinned by digest (exit 3 missing, 5 could not check).",
)
def resolve(
    framework: str,
    version: str,
    region: str | None,
    image_scope: str,
    gpu: bool | None,
    processor: str | None,
    instance_type: str | None,
    py_version: str | None,
    cuda: str | None,
    os_: str | None,
    platform: str | None,
    base_framework_version: str | None,
    accelerator_type: str | None,
    inference_tool: str | None,
    container_version: str | None,
    sdk_version: str | None,
    serverless: bool,
    moving: bool,
    catalog_version: str | None,
    catalog_dir: str | None,
    as_json: bool,
    verify_: bool,
) -> None:
    """Print the ECR image URI for a framework, version and region.

    The URI goes to stdout; the explanation and lifecycle warnings to stderr. Exit 2 for
    invalid input, 3 when nothing matches (the message says what exists).
    """
    from smcat.catalog.resolve import resolve as do_resolve
    from smcat.storage import open_any_store as open_store

    store = open_store(catalog_dir)
    snap = store.load(catalog_version)
    res = do_resolve(
        framework,
        version,
        region,
        image_scope=image_scope,
        gpu=gpu,
        processor=processor,
        instance_type=instance_type,
        py_version=py_version,
        cuda=cuda,
        os=os_,
        platform=platform,
        base_framework_version=base_framework_version,
        accelerator_type=accelerator_type,
        inference_tool=inference_tool,
        container_version=container_version,
        sdk_version=sdk_version,
        serverless=serverless,
        tag_style="moving" if moving else "pinned",
        snapshot=snap,
    )
    d = res.to_dict()
    if verify_:  # issue 14: check the registry, print the digest-pinned URI
        from smcat.cli.verify_cmds import report_resolution

        report_resolution(res, store, d, as_json)
    if as_json:
        emit_json(d)
        return
    console.print(d["uri"])
    err_console.print(
        f"{d['framework']} {d['version']} {d['image_scope']} {d['processor']}/{d['arch']}"
        f" {d.get('py_version') or ''} in {d['region']} (account {d['account']}), "
        f"catalogue {d['catalog_version']}"
    )
    if d.get("region_source") not in (None, "argument"):
        err_console.print(f"region {d['region']} from {d['region_source']}")
    if d.get("moving_uri") and d["moving_uri"] != d["uri"]:
        err_console.print(f"moving tag (as the SageMaker SDK names it): {d['moving_uri']}")
    life = d.get("lifecycle") or {}
    if life.get("ga") or life.get("eop"):
        err_console.print(f"lifecycle: GA {life.get('ga') or '?'}, end of patch {life.get('eop') or '?'}")
    if life.get("warning"):
        err_console.print(f"warning: {life['warning']}")
    from smcat.cli.verify_cmds import stored_note

    if note := stored_note(store, d["uri"]):
        err_console.print(note)
    if d.get("alternatives"):
        n = len(d["alternatives"])
        err_console.print(f"{plural(n, 'alternative')} also {'matches' if n == 1 else 'match'} (see --json)")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers", default=1, show_default=True, type=int, envvar="SMCAT_WORKERS", help="Worker processes."
)
@catalog_option()
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar="SMCAT_ACCESS_LOG",
    help="Log one line per request (off by default: it costs throughput).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="SMCAT_LOG_FORMAT",
    help="Server logs (and access lines) as text or one JSON object per line.",
)
@json_option("Print the start line (and errors) as JSON.")
def serve(
    host: str,
    port: int,
    workers: int,
    catalog_dir: str | None,
    access_log: bool,
    log_format: str,
    as_json: bool,
) -> None:
    """Run the HTTP service (GET /image, /frameworks, /regions, /catalog/..., /healthz; docs at /docs).

    On start it prints one line: where it listens, the catalogue version it serves and how old
    it is (--json: a JSON object). Settings and the catalogue are checked before anything
    listens: a bad value exits 2 (or the catalogue error's code) with one line; a port that
    cannot be bound exits 7.
    """
    import json
    import os

    from smcat.service.serving import StartInfo, start_line
    from smcat.service.serving import serve as run

    if catalog_dir:
        os.environ["SMCAT_CATALOG"] = str(catalog_dir)

    def announce(info: StartInfo) -> None:
        click.echo(json.dumps(info, sort_keys=True) if as_json else start_line(info))
        sys.stdout.flush()

    run(host, port, workers, access_log=access_log, log_format=log_format, on_start=announce)


def register(cli: click.Group) -> None:
    """Add these commands to the main group."""
    cli.add_command(resolve)
    cli.add_command(serve)
