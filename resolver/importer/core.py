"""``import_model()``: check, package, upload, register and deploy a model trained elsewhere.

The run is planned in full before the first AWS call; a dry run returns that plan, a real run
executes exactly its steps, and a failure deletes what this call created, newest first.
``import_model`` composes the rooms that do this: ``request.py`` (the arguments, validated),
``plan.py`` (the calls, decided without AWS) and ``run.py`` (the calls, made and undone).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .contracts import check_model
from .deploy import check_serverless_image
from .errors import InvalidImportRequest
from .limits import ArchiveLimits
from .package import PackageInfo, package_model
from .package_cache import default_cache_dir
from .plan import Artifact, name_stamp, plan
from .redact import secret_names
from .request import MODES, PACKAGINGS, ImportRequest, Progress, Resolver, build_request, emit
from .run import ClientFor, ImportResult, run
from .validate import DEFAULT_INSTANCE_TYPE

__all__ = ["MODES", "PACKAGINGS", "ImportResult", "import_model", "prepare"]


def _default_resolver(
    framework: str,
    version: str,
    region: str,
    image_scope: str,
    instance_type: str | None,
    py_version: str | None,
) -> str:
    from smcat.catalog.resolve import resolve  # lazy: written alongside, and keeps import time small

    return resolve(
        framework,
        version,
        region,
        image_scope=image_scope,
        instance_type=instance_type,
        py_version=py_version,
    ).uri


def _url_resolver(url: str) -> Resolver:
    def resolve(
        framework: str,
        version: str,
        region: str,
        image_scope: str,
        instance_type: str | None,
        py_version: str | None,
    ) -> str:
        import requests

        params = {"framework": framework, "version": version, "region": region, "image_scope": image_scope}
        if instance_type:
            params["instance_type"] = instance_type
        if py_version:
            params["py_version"] = py_version
        resp = requests.get(f"{url.rstrip('/')}/image", params=params, timeout=30)
        if resp.status_code >= 400:
            from smcat.catalog.errors import NoMatch

            raise NoMatch(f"resolver service {url} answered {resp.status_code}: {resp.text[:500]}")
        uri: str = resp.json()["uri"]
        return uri

    return resolve


def import_model(
    model: str | Path | None,
    *,
    framework: str,
    version: str,
    region: str,
    role: str,
    mode: str = "endpoint",
    image_uri: str | None = None,
    resolver: Resolver | None = None,
    resolver_url: str | None = None,
    py_version: str | None = None,
    bucket: str | None = None,
    prefix: str = "smcat",
    name: str | None = None,
    instance_type: str | None = None,
    instance_count: int = 1,
    entry_point: str | Path | None = None,
    source_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    serverless_memory_mb: int = 2048,
    serverless_max_concurrency: int = 5,
    batch_input: str | None = None,
    batch_output: str | None = None,
    content_type: str | None = None,
    split_type: str | None = None,
    packaging: str = "archive",
    overwrite: bool = False,
    content_addressed: bool = True,
    limits: ArchiveLimits | None = None,
    dry_run: bool = False,
    keep_on_failure: bool = False,
    wait: bool = True,
    boto3_session: Any = None,  # a boto3.Session; None: the default session of ``region``
    endpoint_url: str | None = None,
    progress: Progress | None = None,
    verify: bool = False,
    pin_digest: bool = False,
) -> ImportResult:
    """Import ``model`` (directory, file or ``model.tar.gz``) into SageMaker; see the module docstring.

    Every argument is validated before the first AWS call. The archive goes to
    ``s3://BUCKET/PREFIX/NAME/<sha12>/model.tar.gz`` (``content_addressed=False``: without the
    hash, and a different object there is refused unless ``overwrite``). Without ``bucket`` the
    SageMaker SDK's default ``sagemaker-{region}-{account}`` is used, and created when missing;
    a named bucket is never created. ``instance_type`` defaults to ml.m5.large for endpoints and
    batch jobs; serverless takes none (and refuses a GPU one).
    ``verify``: ask ECR that the image exists before anything is created (not in a dry run);
    ``pin_digest``: verify, then deploy ``repository@sha256:...`` so a moving tag cannot change what runs.
    """
    clock = _Clock()
    request = build_request(
        model,
        framework=framework,
        version=version,
        region=region,
        role=role,
        mode=mode,
        image_uri=image_uri,
        resolver=resolver,
        resolver_url=resolver_url,
        py_version=py_version,
        bucket=bucket,
        prefix=prefix,
        name=name,
        instance_type=instance_type,
        instance_count=instance_count,
        entry_point=entry_point,
        source_dir=source_dir,
        env=env,
        tags=tags,
        serverless_memory_mb=serverless_memory_mb,
        serverless_max_concurrency=serverless_max_concurrency,
        batch_input=batch_input,
        batch_output=batch_output,
        content_type=content_type,
        split_type=split_type,
        packaging=packaging,
        overwrite=overwrite,
        content_addressed=content_addressed,
        limits=limits,
        dry_run=dry_run,
        keep_on_failure=keep_on_failure,
        wait=wait,
        boto3_session=boto3_session,
        endpoint_url=endpoint_url,
        progress=progress,
        verify=verify,
        pin_digest=pin_digest,
    )
    with tempfile.TemporaryDirectory(prefix="smcat-import-", ignore_cleanup_errors=True) as workdir:
        artifact = prepare(request, Path(workdir), clock.lap)
        if request.dry_run:  # no session, no client: the plan is all there is
            result = ImportResult.of(plan(request, artifact, stamp=name_stamp()), dry_run=True)
            result.timings = clock.timings
            return result
        clients = _clients(request)
        the_plan = plan(request, artifact, stamp=name_stamp(), account=_account(request, clients))
        result = run(
            the_plan,
            clients,
            request.progress,
            overwrite=request.s3.overwrite,
            keep_on_failure=request.keep_on_failure,
        )
    result.timings = {**clock.timings, **result.timings, "total": clock.total()}
    return result


class _Clock:
    """Seconds per stage of an import (``timings``), and since the import began."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.timings: dict[str, float] = {}

    def lap(self, label: str) -> None:
        now = time.monotonic()
        self.timings[label] = round(now - self.last, 6)
        self.last = now

    def total(self) -> float:
        return round(time.monotonic() - self.start, 6)


def prepare(request: ImportRequest, workdir: Path, lap: Callable[[str], None] = lambda _: None) -> Artifact:
    """Check the model against its container's contract, pick the image(s) and package the model
    into ``workdir``: everything the plan needs that takes no AWS call (``verify``: one ECR call,
    never in a dry run). ``lap(label)`` is called after each stage."""
    src, progress = request.model, request.progress
    emit(progress, "step", title="check the artifact against the container contract")
    report = check_model(
        src.model,
        src.framework,
        src.version,
        entry_point=src.entry_point,
        source_dir=src.source_dir,
        env=src.env,
        limits=src.limits,
    )
    warnings = [*request.warnings, *report.warnings]
    if secrets := secret_names(src.env):
        warnings.append(
            f"{', '.join(secrets)}: container environment values are stored in plain text in the "
            "SageMaker model (DescribeModel shows them); prefer AWS Secrets Manager and read the "
            "secret in the container"
        )
    lap("check")
    image_uri = _pick_image(request, lap)
    emit(progress, "step", title="package model.tar.gz")
    info = _package(request, workdir)
    lap("package")
    emit(progress, "packaged", sha256=info.sha256, size=info.size)
    training_image = None
    if src.packaging == "training-job":
        image = request.image
        pick = image.resolver or _resolver_of(image.resolver_url)
        instance_type = request.instances.instance_type or DEFAULT_INSTANCE_TYPE
        training_image = pick(
            src.framework, src.version, request.region, "training", instance_type, image.py_version
        )
    return Artifact(image_uri, info, report.program, tuple(warnings), training_image)


def _pick_image(request: ImportRequest, lap: Callable[[str], None]) -> str:
    """The inference image: given, or resolved; checked for serverless; verified in ECR when asked."""
    emit(request.progress, "step", title="pick the image")
    image, src = request.image, request.model
    scope_type = None if request.mode in ("serverless", "register") else request.instances.instance_type
    image_uri = image.image_uri
    if image_uri is None:
        pick = image.resolver or _resolver_of(image.resolver_url)
        image_uri = pick(
            src.framework, src.version, request.region, "inference", scope_type, image.py_version
        )
    if request.mode == "serverless":
        check_serverless_image(image_uri)  # before the STS call for the default bucket
    lap("image")
    if (image.verify or image.pin_digest) and not request.dry_run:  # issue 14: see resolver/verify.py
        from smcat.verify import check_before_import

        image_uri, _ = check_before_import(
            image_uri,
            session=request.aws.session,
            endpoint_url=request.aws.endpoint_url,
            pin_digest=image.pin_digest,
        )
        lap("verify")
    return image_uri


def _package(request: ImportRequest, workdir: Path) -> PackageInfo:
    """``workdir/model.tar.gz`` from the model (an unchanged model's archive comes from the cache);
    a Hugging Face Hub model (HF_MODEL_ID only) has none, and the hub id stands for its hash."""
    src = request.model
    if src.hub_only:
        return PackageInfo(None, hashlib.sha256(src.hub_id.encode()).hexdigest(), 0, 0, built=False)
    if src.model:
        model = Path(src.model)
    else:  # only an entry point / source dir
        model = workdir / "empty"
        model.mkdir(exist_ok=True)
    return package_model(
        model,
        workdir / "model.tar.gz",
        src.framework,
        entry_point=Path(src.entry_point) if src.entry_point else None,
        source_dir=Path(src.source_dir) if src.source_dir else None,
        limits=src.limits,
        cache_dir=default_cache_dir() if src.model else None,  # reuse an unchanged model's archive
    )


def _clients(request: ImportRequest) -> ClientFor:
    """One client per service, made on first use from the request's session (or the region's default)."""
    session = request.aws.session
    if session is None:
        import boto3

        session = boto3.Session(region_name=request.region)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(
                service, region_name=request.region, endpoint_url=request.aws.endpoint_url
            )
        return clients[service]

    return client


def _account(request: ImportRequest, client: ClientFor) -> str | None:
    """The account whose default bucket the archive goes to (STS), when the request names no bucket."""
    if request.s3.bucket is not None or request.model.hub_only:
        return None
    try:
        account: str = client("sts").get_caller_identity()["Account"]
    except Exception as err:  # no credentials, no network, ...
        raise InvalidImportRequest(
            f"Could not find the AWS account for the default bucket ({err}). "
            "Configure credentials (profile, env, role) or pass bucket= / --bucket.",
            field="bucket",
        ) from err
    return account


def _resolver_of(resolver_url: str | None) -> Resolver:
    """The smcat service at ``resolver_url``, else the catalogue shipped with smcat."""
    return _url_resolver(resolver_url) if resolver_url else _default_resolver
