"""Upload ``model.tar.gz`` with boto3's managed (multipart) transfer; skip it when already there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from catalog.errors import SmcatError

from .errors import UploadConflict

__all__ = ["BucketMissing", "UploadOutcome", "s3_key", "upload_archive"]

_MB = 1024 * 1024


class BucketMissing(SmcatError, LookupError):
    """The target bucket does not exist (or is not reachable with these credentials)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    url: str
    uploaded: bool  # False when the same object (same sha256) was already there
    reason: str


def s3_key(prefix: str, name: str) -> str:
    return "/".join(p for p in (prefix.strip("/"), name, "model.tar.gz") if p)


def _status(err) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def upload_archive(
    s3,
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
                f"Bucket {bucket!r} does not exist or is not accessible: create it "
                f"(aws s3 mb s3://{bucket}) or pass another bucket"
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
                "Pass another name, or overwrite=True / --overwrite to replace it."
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
