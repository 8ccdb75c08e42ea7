"""Everything about an import request that can be checked before the first AWS call.

moto (and a dry run) accepts anything, so these rules are smcat's own: the role ARN's shape and
partition, S3 URIs and bucket names, the instance type for the mode (serverless has no GPU),
serverless memory and concurrency. Messages name the CLI flag (``--batch-input``); library
callers pass the keyword of the same name (``batch_input=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import InvalidImportRequest

__all__ = [
    "DEFAULT_INSTANCE_TYPE",
    "FLAGS",
    "SERVERLESS_MAX_CONCURRENCY",
    "SERVERLESS_MEMORY_MB",
    "ValidRequest",
    "flag",
    "validate_bucket_name",
    "validate_request",
    "validate_role_arn",
    "validate_s3_uri",
]

DEFAULT_INSTANCE_TYPE = "ml.m5.large"
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SERVERLESS_MAX_CONCURRENCY = 200  # per endpoint (SageMaker ServerlessConfig.MaxConcurrency: 1-200)

# keyword of import_model() -> the smcat import option that sets it (one table, for every message)
FLAGS = {
    "mode": "--mode",
    "packaging": "--packaging",
    "role": "--role",
    "region": "--region",
    "bucket": "--bucket",
    "prefix": "--prefix",
    "instance_type": "--instance-type",
    "instance_count": "--instance-count",
    "batch_input": "--batch-input",
    "batch_output": "--batch-output",
    "content_type": "--content-type",
    "split_type": "--split-type",
    "serverless_memory_mb": "--serverless-memory",
    "serverless_max_concurrency": "--serverless-concurrency",
    "env": "--env",
}

_ROLE_RE = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):iam::(?P<account>\d{12}):role/"
    r"(?P<path>(?:[\x21-\x2e\x30-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})$"
)
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_S3_URI_RE = re.compile(r"^s3://(?P<bucket>[^/]+)(?:/(?P<key>.*))?$")
_ROLE_EXAMPLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"


def flag(name: str) -> str:
    """The CLI option for an ``import_model`` keyword: ``batch_input`` -> ``--batch-input``."""
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def _bad(name: str, message: str) -> InvalidImportRequest:
    return InvalidImportRequest(message, field=name)


def validate_role_arn(role: str, region: str) -> str:
    """An IAM role ARN in the region's partition (``arn:aws-cn:...`` for ``cn-north-1``)."""
    from smcat.catalog.names import partition_of

    m = _ROLE_RE.match(role or "")
    if not m:
        raise _bad(
            "role",
            f"Invalid {flag('role')} {role!r}: expected an IAM role ARN such as {_ROLE_EXAMPLE} "
            "(the SageMaker execution role; see `aws iam list-roles`).",
        )
    want = partition_of(region)
    if m["partition"] != want:
        raise _bad(
            "role",
            f"{flag('role')} {role!r} is in partition {m['partition']!r}, but region {region!r} is in "
            f"{want!r}: use a role ARN starting with arn:{want}:iam::",
        )
    return role


def validate_bucket_name(bucket: str, name: str = "bucket") -> str:
    """S3 bucket naming rules (3-63 lowercase letters, digits, dots, hyphens; not an IP address)."""
    if not _BUCKET_RE.match(bucket or "") or ".." in bucket or _IPV4_RE.match(bucket):
        raise _bad(
            name,
            f"Invalid bucket name {bucket!r} for {flag(name)}: 3-63 lowercase letters, digits, dots or "
            "hyphens, starting and ending with a letter or digit.",
        )
    return bucket


def validate_s3_uri(uri: str | None, name: str) -> str:
    """An ``s3://bucket/prefix`` URI with a valid bucket name."""
    m = _S3_URI_RE.match(uri or "")
    if uri is None or not m:
        raise _bad(name, f"{flag(name)} must be an s3://bucket/prefix URI, got {uri!r}")
    try:
        validate_bucket_name(m["bucket"], name)
    except InvalidImportRequest:
        raise _bad(name, f"Invalid bucket {m['bucket']!r} in {flag(name)} {uri!r}") from None
    return uri


@dataclass
class ValidRequest:
    """What validation settled: the instance type to use (None when the mode has none) and warnings."""

    instance_type: str | None
    warnings: list[str] = field(default_factory=list)


def _instance_for_mode(
    mode: str, instance_type: str | None, packaging: str, warnings: list[str]
) -> str | None:
    from .deploy import validate_instance_type

    if packaging == "training-job":  # the copy job runs on this type (or the default)
        validate_instance_type(instance_type or DEFAULT_INSTANCE_TYPE)
    if mode == "serverless":
        if instance_type is None:
            return None
        processor = validate_instance_type(instance_type)
        if processor != "cpu":
            kind = processor.upper()
            raise _bad(
                "instance_type",
                f"{flag('mode')} serverless has no {kind}: {instance_type} cannot be used. For a {kind} use "
                f"{flag('mode')} endpoint {flag('instance_type')} {instance_type}; for serverless drop "
                f"{flag('instance_type')} (serverless runs on CPU, sized by {flag('serverless_memory_mb')}).",
            )
        warnings.append(
            f"{flag('instance_type')} {instance_type} is ignored by {flag('mode')} serverless "
            f"(it is sized by {flag('serverless_memory_mb')})"
        )
        return None
    if mode == "register":  # not deployed
        if instance_type is not None:
            validate_instance_type(instance_type)
        return instance_type
    chosen = instance_type or DEFAULT_INSTANCE_TYPE
    validate_instance_type(chosen)
    return chosen


def validate_request(
    *,
    mode: str,
    modes: tuple[str, ...],
    packaging: str,
    packagings: tuple[str, ...],
    region: str,
    role: str,
    bucket: str | None,
    instance_type: str | None,
    instance_count: int,
    serverless_memory_mb: int,
    serverless_max_concurrency: int,
    batch_input: str | None,
    batch_output: str | None,
    content_type: str | None,
    split_type: str | None,
) -> ValidRequest:
    """Check every argument that needs no AWS call; raise InvalidImportRequest naming the flag."""
    from smcat.catalog.errors import InvalidQuery
    from smcat.catalog.names import partition_of

    if mode not in modes:
        raise _bad("mode", f"Unknown {flag('mode')} {mode!r}: use one of {', '.join(modes)}")
    if packaging not in packagings:
        raise _bad("packaging", f"Unknown {flag('packaging')} {packaging!r}: use {', '.join(packagings)}")
    try:
        partition_of(region)
    except InvalidQuery as e:
        raise _bad("region", f"{flag('region')}: {e}") from None
    validate_role_arn(role, region)
    if bucket is not None:
        validate_bucket_name(bucket)
    if isinstance(instance_count, bool) or not isinstance(instance_count, int) or instance_count < 1:
        raise _bad(
            "instance_count", f"{flag('instance_count')} must be a whole number >= 1, got {instance_count!r}"
        )
    warnings: list[str] = []
    chosen = _instance_for_mode(mode, instance_type, packaging, warnings)
    if mode == "serverless":
        if serverless_memory_mb not in SERVERLESS_MEMORY_MB:
            raise _bad(
                "serverless_memory_mb",
                f"Invalid {flag('serverless_memory_mb')} {serverless_memory_mb}: use one of "
                f"{', '.join(map(str, SERVERLESS_MEMORY_MB))} (MB)",
            )
        if not 1 <= serverless_max_concurrency <= SERVERLESS_MAX_CONCURRENCY:
            raise _bad(
                "serverless_max_concurrency",
                f"Invalid {flag('serverless_max_concurrency')} {serverless_max_concurrency}: "
                f"use 1 to {SERVERLESS_MAX_CONCURRENCY}",
            )
    if mode == "batch":
        for name, uri in (("batch_input", batch_input), ("batch_output", batch_output)):
            if uri is None:
                raise _bad(name, f"{flag('mode')} batch needs {flag(name)} s3://bucket/prefix/")
            validate_s3_uri(uri, name)
    else:
        given = [
            n
            for n, v in (
                ("batch_input", batch_input),
                ("batch_output", batch_output),
                ("content_type", content_type),
                ("split_type", split_type),
            )
            if v
        ]
        if given:
            raise _bad(
                given[0],
                f"{', '.join(flag(n) for n in given)} only apply to {flag('mode')} batch "
                f"(this is {flag('mode')} {mode}): drop them or use {flag('mode')} batch",
            )
    return ValidRequest(chosen, warnings)
