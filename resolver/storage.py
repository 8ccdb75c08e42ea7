"""Where a catalogue store lives: a directory or ``s3://bucket/prefix`` (the S3 layer, here).

``catalog`` never imports boto3, so the S3 layer is chosen here, in the layer above it, by
explicit scheme dispatch: ``open_any_store`` is ``smcat.catalog.store.open_store`` given
``S3Layer.from_url`` for an ``s3://`` location (a ``pathlib``-mangled ``s3:/`` repaired first).
There is no registry of schemes: importing this module changes no global state, and boto3 is
imported only when an S3 layer makes its client, so ``import smcat`` stays light.

An S3 store has the same layout as a local one, under ``s3://bucket/prefix/``::

    s3://bucket/prefix/CURRENT                  # the current snapshot id
    s3://bucket/prefix/snapshots/<id>.json      # immutable snapshots
    s3://bucket/prefix/status.json              # per-source refresh outcomes

The small mutable objects (``CURRENT``, ``status.json``) are read with a short timeout and
one retry (``POLL_TIMEOUTS``): a service polls them in the background and keeps serving
what it has when S3 is slow. Snapshots, listings and writes use the standard timeouts.

A fleet of resolver replicas reads one such prefix. Each replica polls ``CURRENT`` with a
conditional GET (``If-None-Match`` with the last ETag), so an unchanged pointer costs a
304 with no body; snapshots are immutable, so a snapshot read once is kept. A write is one
``PutObject``: S3 readers see the old object or the new one, never a torn one, and the
``Store`` writes a snapshot before the pointer that names it.

The refresh lock is a local ``diskcache`` directory: it serialises refreshes on one host
only. Run the fleet's refresh job in one place (a cron line on one host, a Kubernetes
CronJob with ``concurrencyPolicy: Forbid``, one EventBridge-scheduled task), not in every replica.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smcat.catalog import store as _store
from smcat.catalog.errors import CatalogError
from smcat.catalog.paths import cache_home

if TYPE_CHECKING:
    from boto3.session import Session
    from mypy_boto3_s3 import S3Client

__all__ = ["POLL_TIMEOUTS", "S3Layer", "normalize_location", "open_any_store", "parse_s3_url"]

#: (connect, read) timeouts in seconds and retries (botocore's ``max_attempts``: retries after the
#: first try) for reads of CURRENT and status.json: at most ~6 s per read when S3 does not answer.
POLL_TIMEOUTS = (1.0, 2.0, 1)
_SNAPSHOT_CACHE_SIZE = 3  # snapshot texts kept (about 1 MB each); the Store keeps parsed ones too
_DENIED = ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch")
_NO_CREDENTIALS = ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError")
_UNREACHABLE = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError")


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")`` (the prefix may be empty)."""
    m = re.match(r"^s3://([^/]+)/?(.*)$", url.strip())
    if not m or not m.group(1):
        raise CatalogError(f"Invalid S3 catalogue location {url!r}: expected s3://bucket/prefix.")
    return m.group(1), m.group(2).strip("/")


class S3Layer:
    """A store layer under ``s3://bucket/prefix`` (the five methods of ``smcat.catalog.store.LocalLayer``).

    ``client``: a boto3 S3 client to use. Otherwise one is made from ``session`` (default: a
    ``boto3.Session()``, so the standard configuration applies: credentials chain, profiles,
    ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``, ``AWS_DEFAULT_REGION`` or ``AWS_REGION``)
    and ``endpoint_url`` (for a local S3 such as a moto server). The client is made on first use.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: S3Client | None = None,
        session: Session | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        if not bucket:
            raise CatalogError("An S3 catalogue needs a bucket: s3://bucket/prefix.")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self._poll_client = client
        self._session = session
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._etags: dict[str, tuple[str, str]] = {}  # mutable names -> (ETag, text)
        self._snapshots: OrderedDict[str, str] = OrderedDict()  # immutable names -> text

    @classmethod
    def from_url(cls, url: str, **kw: Any) -> S3Layer:
        """The layer at ``s3://bucket/prefix``."""
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix, **kw)

    def __repr__(self) -> str:
        return f"S3Layer({self.location()!r})"

    # ---- the layer interface ---------------------------------------------------------------
    def location(self, name: str = "") -> str:
        return f"s3://{self.bucket}/{self._key(name)}".rstrip("/")

    def read(self, name: str) -> str | None:
        """The text of ``name``, or None when it does not exist.

        Snapshots are kept after the first read; other names (``CURRENT``, ``status.json``)
        are re-read with ``If-None-Match``, and a 304 answers from the kept copy.
        """
        immutable = name.startswith("snapshots/")
        with self._lock:
            if immutable and name in self._snapshots:
                self._snapshots.move_to_end(name)
                return self._snapshots[name]
            cached = None if immutable else self._etags.get(name)
        kw: dict[str, Any] = {"IfNoneMatch": cached[0]} if cached else {}
        try:
            resp = (self.client if immutable else self.poll_client).get_object(
                Bucket=self.bucket, Key=self._key(name), **kw
            )
            text = resp["Body"].read().decode("utf-8")
        except _aws_errors() as e:
            status, code = _error_status(e)
            if cached and (status == 304 or code in ("304", "NotModified")):
                return cached[1]
            if code in ("NoSuchKey", "404") and status == 404:
                with self._lock:
                    self._etags.pop(name, None)
                return None
            raise self._error(e, name, "read") from e
        self._remember(name, resp.get("ETag"), text)
        return text

    def write(self, name: str, text: str) -> None:
        """Write ``name`` with one ``PutObject`` (readers see the old or the new object)."""
        content_type = "application/json" if name.endswith(".json") else "text/plain"
        try:
            resp = self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(name),
                Body=text.encode("utf-8"),
                ContentType=f"{content_type}; charset=utf-8",
            )
        except _aws_errors() as e:
            raise self._error(e, name, "write") from e
        self._remember(name, resp.get("ETag"), text)

    def snapshot_ids(self) -> list[str]:
        """Ids of the ``snapshots/*.json`` objects under the prefix."""
        base = self._key("snapshots/")
        ids = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base)
            for page in pages:
                for obj in page.get("Contents", ()):
                    rest = obj["Key"][len(base) :]
                    if rest.endswith(".json") and "/" not in rest:
                        ids.append(rest[: -len(".json")])
        except _aws_errors() as e:
            raise self._error(e, "snapshots/", "list") from e
        return ids

    def default_lock_dir(self) -> Path:
        """``$SMCAT_LOCK_DIR``, else ``~/.cache/smcat/locks/<bucket>-<prefix>`` (one host only)."""
        env = os.environ.get("SMCAT_LOCK_DIR")
        if env:
            return Path(env).expanduser()
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{self.bucket}-{self.prefix}").strip("-")
        return cache_home() / "locks" / slug

    # ---- internals ---------------------------------------------------------------------------
    @property
    def client(self) -> S3Client:
        """The boto3 S3 client (made on first use)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    @property
    def poll_client(self) -> S3Client:
        """The client for the small mutable objects: short timeouts, one retry (made on first use)."""
        if self._poll_client is None:
            with self._lock:
                if self._poll_client is None:
                    self._poll_client = self._make_client(*POLL_TIMEOUTS)
        return self._poll_client

    def _make_client(self, connect: float = 3, read: float = 10, retries: int = 3) -> S3Client:
        import boto3
        from botocore.config import Config

        session = self._session or boto3.Session()
        region = session.region_name or os.environ.get("AWS_REGION") or None
        config = Config(
            connect_timeout=connect, read_timeout=read, retries={"max_attempts": retries, "mode": "standard"}
        )
        return session.client("s3", region_name=region, endpoint_url=self._endpoint_url, config=config)

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _remember(self, name: str, etag: str | None, text: str) -> None:
        with self._lock:
            if name.startswith("snapshots/"):
                self._snapshots[name] = text
                self._snapshots.move_to_end(name)
                while len(self._snapshots) > _SNAPSHOT_CACHE_SIZE:
                    self._snapshots.popitem(last=False)
            elif etag:
                self._etags[name] = (etag, text)

    def _error(self, exc: Exception, name: str, action: str) -> CatalogError:
        """A ``CatalogError`` naming the S3 URL and what to do."""
        url = self.location(name)
        where = f"s3://{self.bucket}"
        _, code = _error_status(exc)
        kind = type(exc).__name__
        if code == "NoSuchBucket":
            hint = (
                f"the bucket {self.bucket!r} does not exist. Create it (aws s3 mb {where}) "
                "or fix --catalog / SMCAT_CATALOG"
            )
        elif code in _DENIED:
            hint = (
                f"access denied ({code}). The credentials in use need s3:GetObject, s3:PutObject and "
                f"s3:ListBucket on {where}/{self.prefix + '/' if self.prefix else ''}*"
            )
        elif kind in _NO_CREDENTIALS:
            hint = (
                "no AWS credentials found. Set AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, "
                "or run where an instance or task role applies"
            )
        elif kind in _UNREACHABLE:
            hint = (
                f"S3 could not be reached ({exc}). Check the network and AWS_ENDPOINT_URL / "
                "AWS_ENDPOINT_URL_S3 if you use a local S3"
            )
        else:
            hint = f"{kind}: {exc}"
        return CatalogError(f"Cannot {action} the catalogue at {url}: {hint}.")


def _aws_errors() -> tuple[type[Exception], ...]:
    """The botocore exceptions a layer turns into ``CatalogError`` (imported when one happens)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _error_status(exc: Exception) -> tuple[int | None, str]:
    """(HTTP status, error code) of a botocore ``ClientError``; (None, "") for anything else."""
    resp = getattr(exc, "response", None)
    if not isinstance(resp, dict):
        return None, ""
    status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status, str(resp.get("Error", {}).get("Code", ""))


# ---- opening a store at any location ---------------------------------------------------------
def normalize_location(location: str | os.PathLike[str] | None) -> str | None:
    """Undo ``Path("s3://b/p")`` -> ``"s3:/b/p"`` (a CLI option typed as a path does that)."""
    if location is None or location == "":
        return None
    loc = str(location)
    return re.sub(r"^s3:/+", "s3://", loc) if re.match(r"^s3:/", loc) else loc


def open_any_store(
    location: str | os.PathLike[str] | None = None, *, with_shipped: bool = True, lock_dir: str | None = None
) -> _store.Store:
    """``smcat.catalog.store.open_store`` for a directory or ``s3://bucket/prefix`` (``$SMCAT_CATALOG``)."""
    loc = normalize_location(location) or normalize_location(os.environ.get("SMCAT_CATALOG"))
    factory = S3Layer.from_url if loc and loc.startswith("s3://") else None
    return _store.open_store(loc, with_shipped=with_shipped, lock_dir=lock_dir, layer_factory=factory)
