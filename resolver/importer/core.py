"""``import_model()``: check, package, upload, register and deploy a model trained elsewhere.

The run is planned in full before the first AWS call; a dry run returns that plan, a real run
executes exactly its steps, and a failure deletes what this call created, newest first.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smcat.catalog.errors import SmcatError

from .contracts import canonical_framework, check_model
from .deploy import (
    check_serverless_image,
    container_env,
    endpoint_steps,
    model_step,
    serverless_steps,
    transform_steps,
)
from .errors import ImportFailed, InvalidImportRequest
from .limits import ArchiveLimits
from .package import PackageInfo, package_model
from .package_cache import default_cache_dir
from .plan import Plan, Step
from .redact import secret_names
from .training import training_steps
from .upload import (
    HASH_CHARS,
    default_bucket,
    default_bucket_step,
    ensure_default_bucket,
    s3_key,
    upload_archive,
)
from .validate import DEFAULT_INSTANCE_TYPE, validate_request

__all__ = ["MODES", "PACKAGINGS", "ImportResult", "import_model"]

MODES = ("endpoint", "serverless", "batch", "register")
PACKAGINGS = ("archive", "training-job")
Resolver = Callable[[str, str, str, str, str | None, str | None], str]
Progress = Callable[[str, dict[str, Any]], None]
#: A boto3 client by service name (``"s3"``, ``"sagemaker"``, ``"sts"``). Plan steps call operations
#: by name (``getattr(client, step.operation)``), so the clients are typed ``Any`` here.
ClientFor = Callable[[str], Any]


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    plan: Plan
    dry_run: bool
    image_uri: str
    s3_url: str | None
    sha256: str
    size: int
    uploaded: bool = False
    bucket_created: bool = False
    model_name: str | None = None
    model_arn: str | None = None
    endpoint_config_name: str | None = None
    endpoint_name: str | None = None
    endpoint_arn: str | None = None
    transform_job_name: str | None = None
    transform_job_arn: str | None = None
    training_job_name: str | None = None
    calls: list[Step] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k not in ("plan", "calls")}
        d["plan"] = self.plan.to_dict()
        d["calls"] = [f"{c.service}.{c.operation}" for c in self.calls]
        return d


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


def _base_name(name: str | None, model: str | Path | None) -> str:
    raw = name or (Path(model).name if model else "model")
    raw = re.sub(r"\.(tar\.gz|tgz|pt|pth|joblib|pkl|json)$", "", raw)
    clean = re.sub(r"[^A-Za-z0-9]+", "-", raw).strip("-") or "model"
    return clean[:32].rstrip("-")  # + hash8 + stamp19 keeps names within 63


def _progress(progress: Progress | None, event: str, **info: object) -> None:
    if progress is not None:
        progress(event, info)


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
    t0 = time.monotonic()
    timings: dict[str, float] = {}  # seconds per step, plus "total"
    clock = [t0]

    def lap(label: str) -> None:
        now = time.monotonic()
        timings[label] = round(now - clock[0], 6)
        clock[0] = now

    fw = canonical_framework(framework)
    valid = validate_request(
        mode=mode,
        modes=MODES,
        packaging=packaging,
        packagings=PACKAGINGS,
        region=region,
        role=role,
        bucket=bucket,
        instance_type=instance_type,
        instance_count=instance_count,
        serverless_memory_mb=serverless_memory_mb,
        serverless_max_concurrency=serverless_max_concurrency,
        batch_input=batch_input,
        batch_output=batch_output,
        content_type=content_type,
        split_type=split_type,
    )
    instance_type = valid.instance_type
    limits = limits or ArchiveLimits.from_env()

    # 1. check the artifact (before anything else touches AWS)
    _progress(progress, "step", title="check the artifact against the container contract")
    report = check_model(
        model, fw, version, entry_point=entry_point, source_dir=source_dir, env=env, limits=limits
    )
    warnings = [*valid.warnings, *report.warnings]
    if secrets := secret_names(env):
        warnings.append(
            f"{', '.join(secrets)}: container environment values are stored in plain text in the "
            "SageMaker model (DescribeModel shows them); prefer AWS Secrets Manager and read the "
            "secret in the container"
        )
    lap("check")

    # 2. pick the image
    _progress(progress, "step", title="pick the image")
    scope_type = None if mode in ("serverless", "register") else instance_type
    if image_uri is None:
        pick = resolver or (_url_resolver(resolver_url) if resolver_url else _default_resolver)
        image_uri = pick(fw, version, region, "inference", scope_type, py_version)
    if mode == "serverless":
        check_serverless_image(image_uri)  # before the STS call for the default bucket
    lap("image")
    if (verify or pin_digest) and not dry_run:  # issue 14: see resolver/verify.py
        from smcat.verify import check_before_import

        image_uri, _ = check_before_import(
            image_uri, session=boto3_session, endpoint_url=endpoint_url, pin_digest=pin_digest
        )
        lap("verify")

    # 3. package
    _progress(progress, "step", title="package model.tar.gz")
    # Hugging Face Hub model (HF_MODEL_ID, nothing local): no archive, no upload
    hub_only = model is None and not (entry_point or source_dir)
    if hub_only and packaging == "training-job":
        raise InvalidImportRequest("packaging='training-job' needs a local model", field="packaging")
    workdir = Path(tempfile.mkdtemp(prefix="smcat-import-"))
    try:
        if hub_only:
            hub_id = (env or {}).get("HF_MODEL_ID", "")
            info = PackageInfo(None, hashlib.sha256(hub_id.encode()).hexdigest(), 0, 0, built=False)
            name = name or hub_id.rsplit("/", 1)[-1]
        else:
            info = package_model(
                Path(model) if model else _empty_dir(workdir),
                workdir / "model.tar.gz",
                fw,
                entry_point=Path(entry_point) if entry_point else None,
                source_dir=Path(source_dir) if source_dir else None,
                limits=limits,
                cache_dir=default_cache_dir() if model else None,  # reuse an unchanged model's archive
            )
        lap("package")
        _progress(progress, "packaged", sha256=info.sha256, size=info.size)

        # 4. plan every AWS call
        session = boto3_session
        if session is None and not dry_run:
            import boto3

            session = boto3.Session(region_name=region)
        clients: dict[str, Any] = {}

        def client(service: str) -> Any:
            if service not in clients:
                clients[service] = session.client(service, region_name=region, endpoint_url=endpoint_url)
            return clients[service]

        steps: list[Step] = []
        if bucket is None:
            if hub_only:
                bucket = "-"  # nothing is uploaded
            elif dry_run:
                steps.append(default_bucket_step(region, "<account-id>"))
                bucket = default_bucket(region, "<account-id>")
            else:
                try:
                    account = client("sts").get_caller_identity()["Account"]
                except Exception as err:  # no credentials, no network, ...
                    raise InvalidImportRequest(
                        f"Could not find the AWS account for the default bucket ({err}). "
                        "Configure credentials (profile, env, role) or pass bucket= / --bucket.",
                        field="bucket",
                    ) from err
                steps.append(default_bucket_step(region, account))
                bucket = default_bucket(region, account)
        base = _base_name(name, model)
        now = datetime.now(UTC)  # to the millisecond: a retry never collides with leftovers
        stamp = f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"
        rname = f"{base}-{info.sha256[:8]}-{stamp}"
        key = s3_key(prefix, base, info.sha256 if content_addressed else None)
        s3_url = f"s3://{bucket}/{key}"
        program = report.program
        cenv = container_env(fw, region, program=program, env=env)
        model_data_url = None if hub_only else s3_url
        upload_params = {"Bucket": bucket, "Key": key, "Metadata": {"sha256": info.sha256}}
        if packaging == "training-job":
            train_image = (resolver or _training_resolver(resolver_url))(
                fw, version, region, "training", instance_type or DEFAULT_INSTANCE_TYPE, py_version
            )
            job_prefix = "/".join(
                p
                for p in (prefix.strip("/"), base, info.sha256[:HASH_CHARS] if content_addressed else "")
                if p
            )
            tsteps, model_data_url = training_steps(
                rname,
                bucket,
                job_prefix,
                train_image,
                role,
                instance_type or DEFAULT_INSTANCE_TYPE,
                info.sha256,
            )
            steps += tsteps
        elif not hub_only:
            steps.append(
                Step(
                    "s3",
                    "upload_file",
                    upload_params,
                    "upload model.tar.gz",
                    creates=f"s3-object:{s3_url}",
                    undo=("delete_object", {"Bucket": bucket, "Key": key}),
                )
            )
        steps.append(model_step(rname, image_uri, model_data_url, role, cenv, tags))
        names = {"model": rname, "s3_key": key}
        if mode == "endpoint":
            steps += endpoint_steps(
                rname, rname, rname, instance_type or DEFAULT_INSTANCE_TYPE, instance_count, tags
            )
            names |= {"endpoint_config": rname, "endpoint": rname}
        elif mode == "serverless":
            steps += serverless_steps(
                rname, rname, rname, image_uri, serverless_memory_mb, serverless_max_concurrency, tags
            )
            names |= {"endpoint_config": rname, "endpoint": rname}
        elif mode == "batch":
            steps += transform_steps(
                rname,
                rname,
                batch_input=batch_input,
                batch_output=batch_output,
                instance_type=instance_type or DEFAULT_INSTANCE_TYPE,
                count=instance_count,
                content_type=content_type,
                split_type=split_type,
                tags=tags,
            )
            names["transform_job"] = rname
        if not wait:
            steps = [s for s in steps if not s.operation.startswith("wait:")]
        plan = Plan(image_uri, model_data_url, info.sha256, info.size, names, steps, list(warnings))
        result = ImportResult(plan, dry_run, image_uri, model_data_url, info.sha256, info.size)
        result.warnings = list(warnings)
        result.timings = timings
        if dry_run:
            return result

        # 5. run the plan, step by step; on failure undo what this call created
        done: list[Step] = []
        for step in plan.steps:
            _progress(progress, "step", title=step.title, operation=f"{step.service}.{step.operation}")
            try:
                out = _execute(step, client, info, overwrite, progress)
            except Exception as err:
                if not done and isinstance(err, SmcatError):
                    raise  # nothing was created: the cause (missing bucket, S3 conflict...) is the error
                deleted, left = _rollback(done, client, keep_on_failure)
                raise ImportFailed(
                    step.title,
                    err,
                    created=[s.creates for s in done if s.creates],  # done holds steps that create
                    deleted=deleted,
                    left=left,
                ) from err
            result.calls.append(step)
            lap(step.operation)
            if step.creates and out is not False:
                done.append(step)
                result.created.append(step.creates)
            if step.operation == "upload_file":
                result.uploaded = out is not False
            elif step.operation == "ensure_bucket":
                result.bucket_created = bool(out)
            _record(result, step, out)
        timings["total"] = round(time.monotonic() - t0, 6)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _empty_dir(workdir: Path) -> Path:
    d = workdir / "empty"
    d.mkdir(exist_ok=True)
    return d


def _training_resolver(resolver_url: str | None) -> Resolver:
    return _url_resolver(resolver_url) if resolver_url else _default_resolver


def _execute(
    step: Step, client: ClientFor, info: PackageInfo, overwrite: bool, progress: Progress | None
) -> object:
    c = client(step.service)
    if step.operation == "ensure_bucket":
        p = step.params
        return ensure_default_bucket(c, p["Bucket"], p["Region"], p["ExpectedBucketOwner"])
    if step.operation == "upload_file":
        p = step.params
        assert info.path is not None  # an upload step is planned only when an archive was packaged
        outcome = upload_archive(
            c,
            info.path,
            p["Bucket"],
            p["Key"],
            p["Metadata"]["sha256"],
            overwrite=overwrite,
            progress=(lambda n: _progress(progress, "upload_bytes", bytes=n)) if progress else None,
        )
        return outcome.uploaded
    if step.operation == "put_object":
        from .training import sourcedir_bytes

        put: object = c.put_object(**step.params, Body=sourcedir_bytes())
        return put
    if step.operation.startswith("wait:"):
        c.get_waiter(step.operation[5:]).wait(**step.params, WaiterConfig={"Delay": 15, "MaxAttempts": 240})
        return None
    answer: object = getattr(c, step.operation)(**step.params)
    return answer


def _record(result: ImportResult, step: Step, out: object) -> None:
    if not isinstance(out, dict):
        return
    p = step.params
    if step.operation == "create_model":
        result.model_name, result.model_arn = p["ModelName"], out.get("ModelArn")
    elif step.operation == "create_endpoint_config":
        result.endpoint_config_name = p["EndpointConfigName"]
    elif step.operation == "create_endpoint":
        result.endpoint_name, result.endpoint_arn = p["EndpointName"], out.get("EndpointArn")
    elif step.operation == "create_transform_job":
        result.transform_job_name, result.transform_job_arn = (
            p["TransformJobName"],
            out.get("TransformJobArn"),
        )
    elif step.operation == "create_training_job":
        result.training_job_name = p["TrainingJobName"]


def _rollback(done: list[Step], client: ClientFor, keep: bool) -> tuple[list[str], list[str]]:
    deleted: list[str] = []
    left: list[str] = []
    for step in reversed(done):
        what = step.creates or step.title  # done holds only steps that create something
        if keep or step.undo is None:
            left.append(what)
            continue
        op, params = step.undo
        try:
            getattr(client(step.service), op)(**params)
            deleted.append(what)
        except Exception:  # report, do not mask the original failure
            left.append(what)
    return deleted, left
