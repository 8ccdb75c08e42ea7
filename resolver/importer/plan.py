"""The import plan: the ordered AWS calls, with payloads, that a run makes (and a dry run prints).

``plan()`` is pure: from the validated request, the checked and packaged model (``Artifact``),
the account and a time stamp, it decides every call. A dry run returns its plan; a real run
executes exactly that plan's steps (``run.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .deploy import container_env, endpoint_steps, model_step, serverless_steps, transform_steps
from .package import PackageInfo
from .redact import env_names_redacted
from .request import ImportRequest
from .step import Step
from .training import training_steps
from .upload import HASH_CHARS, default_bucket, default_bucket_step, s3_key
from .validate import DEFAULT_INSTANCE_TYPE

__all__ = ["ACCOUNT_PLACEHOLDER", "Artifact", "Plan", "Step", "base_name", "name_stamp", "plan"]

#: The default bucket's account in a dry run (which asks STS nothing)
ACCOUNT_PLACEHOLDER = "<account-id>"


@dataclass
class Plan:
    """Everything an import will do, decided before the first AWS call."""

    image_uri: str
    s3_url: str | None
    sha256: str
    size: int
    names: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the local model.tar.gz the upload step sends (None: nothing packaged); not printed, and not
    #: compared: where this machine keeps the bytes, which ``sha256`` names
    archive: Path | None = field(default=None, compare=False)

    def redacted(self) -> list[str]:
        """Environment variables whose values every printed form of this plan hides."""
        return sorted(set[str]().union(*(env_names_redacted(s.params) for s in self.steps)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "redacted": self.redacted(),
            "image_uri": self.image_uri,
            "s3_url": self.s3_url,
            "sha256": self.sha256,
            "size": self.size,
            "names": self.names,
            "warnings": self.warnings,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str)

    def to_text(self) -> str:
        lines = [
            f"image:   {self.image_uri}",
            f"archive: {self.s3_url or '-'} ({self.size} bytes, sha256 {self.sha256})",
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        if hidden := self.redacted():
            lines.append(
                f"redacted: {', '.join(hidden)} (values hidden here; SageMaker receives them as given)"
            )
        for i, s in enumerate(self.steps, 1):
            lines.append(f"{i}. {s.title}: {s.service}.{s.operation}")
            payload = json.dumps(s.to_dict()["params"], indent=2, sort_keys=True, default=str)
            lines += [f"     {line}" for line in payload.splitlines()]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Artifact:
    """What the plan is made of besides the request, found without an AWS call: the checked and
    packaged model, the image it runs in and (training-job packaging) the copy job's image."""

    image_uri: str
    package: PackageInfo
    program: str | None  # the inference script the container runs (the contract check found it)
    warnings: tuple[str, ...] = ()
    training_image: str | None = None


def name_stamp(now: datetime | None = None) -> str:
    """The time in resource names, to the millisecond (``20260130-141503-042``): a retry never
    collides with leftovers of the last attempt."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"


def base_name(name: str | None, model: str | Path | None) -> str:
    """The name resources share: ``name``, else the model's file name, cut to fit SageMaker's 63."""
    raw = name or (Path(model).name if model else "model")
    raw = re.sub(r"\.(tar\.gz|tgz|pt|pth|joblib|pkl|json)$", "", raw)
    clean = re.sub(r"[^A-Za-z0-9]+", "-", raw).strip("-") or "model"
    return clean[:32].rstrip("-")  # + hash8 + stamp19 keeps names within 63


def plan(request: ImportRequest, artifact: Artifact, *, stamp: str, account: str | None = None) -> Plan:
    """Every AWS call of the import, in order, with its payload: what a dry run returns.

    Pure: no AWS client, no clock, no file. ``stamp`` (``name_stamp()``) ends every resource
    name; ``account`` owns the default bucket when ``request`` names none (None:
    ``ACCOUNT_PLACEHOLDER``, as in a dry run).
    """
    src, info, region = request.model, artifact.package, request.region
    steps: list[Step] = []
    bucket = request.s3.bucket
    if bucket is None:
        if src.hub_only:
            bucket = "-"  # nothing is uploaded
        else:
            owner = account or ACCOUNT_PLACEHOLDER
            steps.append(default_bucket_step(region, owner))
            bucket = default_bucket(region, owner)
    base = base_name(request.name or (src.hub_id.rsplit("/", 1)[-1] if src.hub_only else None), src.model)
    rname = f"{base}-{info.sha256[:8]}-{stamp}"
    key = s3_key(request.s3.prefix, base, info.sha256 if request.s3.content_addressed else None)
    archive_steps, model_data_url = _archive_steps(request, artifact, bucket, base, key, rname)
    steps += archive_steps
    cenv = container_env(src.framework, region, program=artifact.program, env=src.env)
    steps.append(model_step(rname, artifact.image_uri, model_data_url, request.role, cenv, request.tags))
    deploy, names = _deploy_steps(request, artifact.image_uri, rname)
    steps += deploy
    if not request.wait:
        steps = [s for s in steps if not s.operation.startswith("wait:")]
    return Plan(
        artifact.image_uri,
        model_data_url,
        info.sha256,
        info.size,
        {"model": rname, "s3_key": key, **names},
        steps,
        list(artifact.warnings),
        archive=info.path,
    )


def _archive_steps(
    request: ImportRequest, artifact: Artifact, bucket: str, base: str, key: str, rname: str
) -> tuple[list[Step], str | None]:
    """The steps that put the model in S3, and the ModelDataUrl the model is then created with."""
    src, sha256 = request.model, artifact.package.sha256
    if src.packaging == "training-job":
        assert artifact.training_image is not None  # resolved for every training-job request
        prefix = request.s3.prefix.strip("/")
        digest = sha256[:HASH_CHARS] if request.s3.content_addressed else ""
        job_prefix = "/".join(p for p in (prefix, base, digest) if p)
        instance_type = request.instances.instance_type or DEFAULT_INSTANCE_TYPE
        return training_steps(
            rname, bucket, job_prefix, artifact.training_image, request.role, instance_type, sha256
        )
    if src.hub_only:
        return [], None
    upload = Step(
        "s3",
        "upload_file",
        {"Bucket": bucket, "Key": key, "Metadata": {"sha256": sha256}},
        "upload model.tar.gz",
        creates=f"s3-object:s3://{bucket}/{key}",
        undo=("delete_object", {"Bucket": bucket, "Key": key}),
    )
    return [upload], f"s3://{bucket}/{key}"


def _deploy_steps(request: ImportRequest, image_uri: str, rname: str) -> tuple[list[Step], dict[str, str]]:
    """The steps after the model is registered (none for ``register``), and the names they create."""
    instance_type = request.instances.instance_type or DEFAULT_INSTANCE_TYPE
    count, tags = request.instances.instance_count, request.tags
    if request.mode == "endpoint":
        steps = endpoint_steps(rname, rname, rname, instance_type, count, tags)
        return steps, {"endpoint_config": rname, "endpoint": rname}
    if request.mode == "serverless":
        s = request.serverless
        steps = serverless_steps(rname, rname, rname, image_uri, s.memory_mb, s.max_concurrency, tags)
        return steps, {"endpoint_config": rname, "endpoint": rname}
    if request.mode == "batch":
        b = request.batch
        steps = transform_steps(
            rname,
            rname,
            batch_input=b.input,
            batch_output=b.output,
            instance_type=instance_type,
            count=count,
            content_type=b.content_type,
            split_type=b.split_type,
            tags=tags,
        )
        return steps, {"transform_job": rname}
    return [], {}
