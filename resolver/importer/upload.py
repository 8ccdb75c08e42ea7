"""Upload ``model.tar.gz`` with boto3's managed (multipart) transfer; skip it when already there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from smcat.catalog.errors import SmcatError

from .errors import UploadConflict
from .step import Step

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import (
        CreateBucketRequestTypeDef,
        PublicAccessBlockConfigurationTypeDef,
        ServerSideEncryptionConfigurationTypeDef,
    )

__all__ = [
    "BucketMissing",
    "UploadOutcome",
    "default_bucket",
    "default_bucket_step",
    "ensure_default_bucket",
    "s3_key",
    "upload_archive",
]

_MB = 1024 * 1024


class BucketMissing(SmcatError, LookupError):
    """The target bucket does not exist (or is not reachable with these credentials)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    url: str
    uploaded: bool  # False when the same object (same sha256) was already there
    reason: str


HASH_CHARS = 12  # sha256 hex digits in a content-addressed key
PUBLIC_ACCESS_BLOCK: PublicAccessBlockConfigurationTypeDef = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
DEFAULT_ENCRYPTION: ServerSideEncryptionConfigurationTypeDef = {
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
}


def s3_key(prefix: str, name: str, sha256: str | None = None) -> str:
    """``prefix/name/<sha12>/model.tar.gz`` (content-addressed), or ``prefix/name/model.tar.gz``
    when ``sha256`` is None (a fixed key: a different object there needs ``overwrite``)."""
    digest = sha256[:HASH_CHARS] if sha256 else ""
    return "/".join(p for p in (prefix.strip("/"), name, digest, "model.tar.gz") if p)


def default_bucket(region: str, account: str) -> str:
    """The SageMaker SDK's default bucket name: ``sagemaker-{region}-{account}``."""
    return f"sagemaker-{region}-{account}"


def default_bucket_step(region: str, account: str) -> Step:
    """The plan step that makes sure the default bucket exists (created with the SDK's settings)."""
    params = {
        "Bucket": default_bucket(region, account),
        "Region": region,
        "ExpectedBucketOwner": account,
        "PublicAccessBlockConfiguration": PUBLIC_ACCESS_BLOCK,
        "ServerSideEncryptionConfiguration": DEFAULT_ENCRYPTION,
    }
    title = "create the default bucket if missing (public access blocked, encrypted)"
    return Step("s3", "ensure_bucket", params, title)


def ensure_default_bucket(s3: S3Client, bucket: str, region: str, account: str) -> bool:
    """Create the default bucket when it does not exist; True when this call created it.

    A bucket of that name owned by another account is refused (someone may have claimed the
    name to receive your models). Existing buckets are left as they are.
    """
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=account)
        return False
    except ClientError as err:
        code = _status(err)
        if code in ("403", "AccessDenied", "Forbidden"):
            raise BucketMissing(
                f"The default bucket {bucket!r} exists but is not owned by account {account} or not "
                "accessible with these credentials: pass --bucket with a bucket of yours"
            ) from err
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    params: CreateBucketRequestTypeDef = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
        # a region the stubs' list does not name yet is still passed as given
        location = cast("BucketLocationConstraintType", region)
        params["CreateBucketConfiguration"] = {"LocationConstraint": location}
    try:
        s3.create_bucket(**params)
    except ClientError as err:
        if _status(err) == "BucketAlreadyExists":
            raise BucketMissing(
                f"The default bucket name {bucket!r} is taken by another account: pass --bucket"
            ) from err
        if _status(err) != "BucketAlreadyOwnedByYou":  # a concurrent import created it: fine
            raise
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=DEFAULT_ENCRYPTION)
    return True


def _status(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def upload_archive(
    s3: S3Client,
    path: Path,
    bucket: str,
    key: str,
    sha256: str,
    *,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> UploadOutcome:
    """Put ``path`` at ``s3://bucket/key`` with Metadata ``sha256``; never overwrite silently."""
    from boto3.s3.transfer import TransferConfig
    from botocore.exceptions import ClientError

    url = f"s3://{bucket}/{key}"
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as err:
        if _status(err) in ("404", "NoSuchBucket", "403"):
            raise BucketMissing(
                f"Bucket {bucket!r} (--bucket) does not exist or is not accessible, and smcat never "
                f"creates a bucket you name: create it (aws s3 mb s3://{bucket}), or omit --bucket to "
                "use the default sagemaker-<region>-<account> (created when missing)"
            ) from err
        raise
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as err:
        if _status(err) not in ("404", "NoSuchKey", "NotFound"):
            raise
        head = None
    if head is not None:
        if head.get("Metadata", {}).get("sha256") == sha256:
            return UploadOutcome(url, False, "same sha256 already uploaded")
        if not overwrite:
            raise UploadConflict(
                f"A different object already exists at {url} (sha256 "
                f"{head.get('Metadata', {}).get('sha256', 'unknown')}, ours {sha256}). "
                "Pass another --name, drop --fixed-key (keys then carry the content hash), "
                "or pass --overwrite to replace it."
            )
    config = TransferConfig(multipart_threshold=64 * _MB, multipart_chunksize=64 * _MB, max_concurrency=8)
    s3.upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={"Metadata": {"sha256": sha256}, "ContentType": "application/gzip"},
        Config=config,
        Callback=progress,
    )
    return UploadOutcome(url, True, "uploaded")
