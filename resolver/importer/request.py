"""The import request: every argument of ``import_model()``, checked once, before anything else runs.

``build_request()`` takes ``import_model()``'s keywords (same names, same defaults) and refuses a
bad one with the error ``import_model()`` raises for it; nothing here reads the model or calls AWS.
The request is frozen: the plan and the run read it, never change it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .contracts import canonical_framework
from .errors import InvalidImportRequest
from .limits import ArchiveLimits
from .validate import validate_request

__all__ = [
    "MODES",
    "PACKAGINGS",
    "AwsAccess",
    "BatchSettings",
    "ImageSource",
    "ImportRequest",
    "InstanceSettings",
    "ModelSource",
    "Progress",
    "Resolver",
    "S3Target",
    "ServerlessSettings",
    "build_request",
    "emit",
]

MODES = ("endpoint", "serverless", "batch", "register")
PACKAGINGS = ("archive", "training-job")
#: ``(framework, version, region, image_scope, instance_type, py_version) -> image URI``
Resolver = Callable[[str, str, str, str, str | None, str | None], str]
#: ``(event, details)``: "step" (title, operation), "packaged" (sha256, size), "upload_bytes" (bytes)
Progress = Callable[[str, dict[str, Any]], None]


def emit(progress: Progress | None, event: str, **info: object) -> None:
    """Tell ``progress`` (when there is one) about ``event``."""
    if progress is not None:
        progress(event, info)


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str] | None:
    return None if mapping is None else MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class ModelSource:
    """The model, its framework, the container environment and how ``model.tar.gz`` is made."""

    model: str | Path | None
    framework: str  # the catalogue's name (aliases resolved)
    version: str
    entry_point: str | Path | None
    source_dir: str | Path | None
    env: Mapping[str, str] | None
    packaging: str  # one of PACKAGINGS
    limits: ArchiveLimits

    @property
    def hub_only(self) -> bool:
        """A Hugging Face Hub model (HF_MODEL_ID, nothing local): no archive, no upload."""
        return self.model is None and not (self.entry_point or self.source_dir)

    @property
    def hub_id(self) -> str:
        """The ``HF_MODEL_ID`` the container downloads ("" when not set)."""
        return (self.env or {}).get("HF_MODEL_ID", "")


@dataclass(frozen=True, slots=True)
class ImageSource:
    """Where the image comes from: given, a resolver callable, an smcat service, or the catalogue."""

    image_uri: str | None
    resolver: Resolver | None
    resolver_url: str | None
    py_version: str | None
    verify: bool  # ask ECR that the image exists before anything is created
    pin_digest: bool  # verify, then deploy repository@sha256:...


@dataclass(frozen=True, slots=True)
class S3Target:
    """Where the archive goes: ``s3://BUCKET/PREFIX/NAME[/<sha12>]/model.tar.gz``."""

    bucket: str | None  # None: the SageMaker SDK's default bucket, created when missing
    prefix: str
    content_addressed: bool
    overwrite: bool  # with a fixed key: replace a different object there


@dataclass(frozen=True, slots=True)
class InstanceSettings:
    """The instances of an endpoint, a batch job or the training-job packaging route."""

    instance_type: str | None  # as validation settled it: the default filled in, None for serverless
    instance_count: int


@dataclass(frozen=True, slots=True)
class ServerlessSettings:
    """A serverless endpoint's size."""

    memory_mb: int
    max_concurrency: int


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """A batch transform job's input and output."""

    input: str | None
    output: str | None
    content_type: str | None
    split_type: str | None


@dataclass(frozen=True, slots=True)
class AwsAccess:
    """How the run reaches AWS (a dry run does not)."""

    session: Any  # a boto3.Session; None: the default session of the region
    endpoint_url: str | None


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """Every argument of one import, validated (see ``build_request``)."""

    model: ModelSource
    region: str
    role: str
    mode: str  # one of MODES
    name: str | None
    tags: Mapping[str, str] | None
    image: ImageSource
    s3: S3Target
    instances: InstanceSettings
    serverless: ServerlessSettings
    batch: BatchSettings
    aws: AwsAccess
    dry_run: bool
    keep_on_failure: bool
    wait: bool
    progress: Progress | None
    warnings: tuple[str, ...]  # what validation settled for the caller (an ignored instance type...)


def build_request(
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
) -> ImportRequest:
    """Check ``import_model()``'s arguments (same keywords and defaults) and group them.

    Raises InvalidQuery (an unknown framework) or InvalidImportRequest naming the CLI flag
    (``--batch-input``), exactly as ``import_model()`` does; reads no file, calls no AWS API.
    """
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
    source = ModelSource(
        model,
        fw,
        version,
        entry_point,
        source_dir,
        _frozen(env),
        packaging,
        limits or ArchiveLimits.from_env(),
    )
    if source.hub_only and packaging == "training-job":
        raise InvalidImportRequest("packaging='training-job' needs a local model", field="packaging")
    return ImportRequest(
        model=source,
        region=region,
        role=role,
        mode=mode,
        name=name,
        tags=_frozen(tags),
        image=ImageSource(image_uri, resolver, resolver_url, py_version, verify, pin_digest),
        s3=S3Target(bucket, prefix, content_addressed, overwrite),
        instances=InstanceSettings(valid.instance_type, instance_count),
        serverless=ServerlessSettings(serverless_memory_mb, serverless_max_concurrency),
        batch=BatchSettings(batch_input, batch_output, content_type, split_type),
        aws=AwsAccess(boto3_session, endpoint_url),
        dry_run=dry_run,
        keep_on_failure=keep_on_failure,
        wait=wait,
        progress=progress,
        warnings=tuple(valid.warnings),
    )
