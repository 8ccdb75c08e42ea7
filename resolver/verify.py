"""Prove that an image exists in its registry, and pin it by digest.

``verify(uri)`` asks Amazon ECR in the image's own region (parsed from the URI, every
partition's DNS suffix) whether the tag exists, with the caller's AWS credentials (boto3's
usual chain; ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_ECR`` are honoured by boto3 itself).
It calls ``BatchGetImage`` with ``registryId`` = the image's account: that is the call
``docker pull`` makes, so it is what the DLC registries grant to every AWS account.

The answer is one of three, never guessed:

- ``exists``: the registry returned the manifest; the digest pins it (``pinned_uri``);
- ``missing``: the registry said the tag or the repository does not exist;
- ``unknown``: the check could not be made (no credentials, access denied, throttled past
  the retries, registry unreachable); the reason is named and it is never read as "missing".

Throttling (and 5xx answers) are retried here, with exponential backoff and full jitter;
botocore's own retries are off so every request is counted in ``Verification.attempts``.

Results are observations in time, kept beside the catalogue's immutable snapshots: see
``smcat.verify_log`` (the log, many images at once, and the service's read-only view).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from smcat.catalog.errors import InvalidQuery, SmcatError
from smcat.catalog.names import dns_suffix, is_region_code
from smcat.catalog.serial import to_jsonable
from smcat.catalog.times import format_iso, now_iso

if TYPE_CHECKING:
    from boto3.session import Session
    from mypy_boto3_ecr import ECRClient

__all__ = [
    "EXIT_CODES",
    "ImageMissing",
    "ImageRef",
    "Verification",
    "VerificationUnavailable",
    "Verifier",
    "check_before_import",
    "now_utc",
    "parse_image_uri",
    "verify",
]

EXISTS, MISSING, UNKNOWN = "exists", "missing", "unknown"
#: CLI exit code per outcome (0 exists, 3 missing like "no match", 5 could not check).
EXIT_CODES = {EXISTS: 0, MISSING: 3, UNKNOWN: 5}
#: Manifest types asked for: a multi-arch index is returned as it is, so its digest is the tag's.
MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
]

_URI_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>[a-z0-9-]+)\.(?P<suffix>[a-z0-9.-]+)"
    r"/(?P<repo>[a-z0-9](?:[a-z0-9._/-]*[a-z0-9])?)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
_MISSING_CODES = {
    "RepositoryNotFoundException": "repository_not_found",
    "ImageNotFoundException": "tag_not_found",
}
_DENIED_CODES = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException"}
_BAD_CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "ExpiredToken",
}
_THROTTLE_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}


class ImageMissing(SmcatError, LookupError):
    """The registry says the image's tag or repository does not exist."""

    exit_code = 3


class VerificationUnavailable(SmcatError):
    """The registry could not be asked (no credentials, access denied, throttled, unreachable)."""

    exit_code = 5


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- image references


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An ECR image reference split into its parts."""

    account: str
    region: str
    suffix: str
    repository: str
    tag: str | None = None
    digest: str | None = None
    fips: bool = False

    @property
    def registry(self) -> str:
        return f"{self.account}.dkr.ecr{'-fips' if self.fips else ''}.{self.region}.{self.suffix}"

    @property
    def uri(self) -> str:
        """The reference as given: ``registry/repository:tag`` (and/or ``@digest``)."""
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.registry}/{self.repository}{tag}{digest}"

    def pinned(self, digest: str) -> str:
        """``registry/repository@sha256:...``: the form SageMaker's ``CreateModel`` documents for digests."""
        return f"{self.registry}/{self.repository}@{digest}"


def parse_image_uri(uri: str) -> ImageRef:
    """Split an ECR image URI; raises ``InvalidQuery`` saying what is wrong and what is expected."""
    text = (uri or "").strip()
    m = _URI_RE.match(text)
    expected = "Expected ACCOUNT.dkr.ecr.REGION.SUFFIX/REPOSITORY:TAG (or @sha256:DIGEST)"
    if not m:
        raise InvalidQuery(f"Not an ECR image URI: {uri!r}. {expected}.", field="uri")
    region = m["region"]
    if not is_region_code(region):
        raise InvalidQuery(f"{uri!r}: {region!r} is not an AWS region code. {expected}.", field="uri")
    suffix = dns_suffix(region)
    if m["suffix"] != suffix:
        raise InvalidQuery(
            f"{uri!r}: ECR in {region} is at *.{suffix}, not *.{m['suffix']}. {expected}.", field="uri"
        )
    if not m["tag"] and not m["digest"]:
        raise InvalidQuery(f"{uri!r} names no tag or digest. {expected}.", field="uri")
    return ImageRef(m["account"], region, suffix, m["repo"], m["tag"], m["digest"], bool(m["fips"]))


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, slots=True)
class Verification:
    """What the registry said about one image, and when."""

    uri: str
    account: str
    region: str
    repository: str
    tag: str | None
    status: str  # exists | missing | unknown
    reason: str  # found | tag_not_found | repository_not_found | no_credentials | access_denied | ...
    message: str
    checked_at: str
    digest: str | None = None
    media_type: str | None = None
    pushed_at: str | None = None
    size: int | None = None
    attempts: int = 0  # requests sent to the registry for this answer (0 when read from the log)
    image_key: str | None = None  # ImageRecord.key_str when the catalogue knows the image
    source: str = "ecr"
    cached: bool = field(default=False, compare=False)  # read from the verification log, not asked now

    @property
    def pinned_uri(self) -> str | None:
        """The digest-pinned reference (only when the image exists)."""
        if self.status != EXISTS or not self.digest:
            return None
        return parse_image_uri(self.uri).pinned(self.digest)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        d = to_jsonable(self)
        d["pinned_uri"] = self.pinned_uri  # derived from uri and digest
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verification:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in names})


# --------------------------------------------------------------------------- asking ECR


class CarriesUri(Protocol):
    """Anything naming an image by ``uri`` (an ``ImageRef``, a ``smcat.catalog.resolve.Resolution``)."""

    @property
    def uri(self) -> str: ...


#: What ``verify`` accepts: an image URI, or an object carrying one (a resolution also names its record).
Target = str | CarriesUri


class _Subject(TypedDict):
    """The fields of a ``Verification`` that say which image was asked about."""

    uri: str
    account: str
    region: str
    repository: str
    tag: str | None
    image_key: str | None


#: A registry answer, or (status, reason, message) when ECR did not answer.
_Outcome = dict[str, Any] | tuple[str, str, str]


class Verifier:
    """Asks ECR, one client per region (clients are thread-safe; they are made under a lock)."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        base_delay: float = 0.25,
        max_delay: float = 8.0,
        details: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``details`` adds a ``DescribeImages`` call for pushed-at and size (often not granted
        on registries of other accounts; its refusal only leaves those two fields empty)."""
        self.session = session
        self.endpoint_url = endpoint_url
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.details = details
        self.sleep = sleep
        self._clients: dict[str, ECRClient] = {}
        self._lock = threading.Lock()

    def client(self, region: str) -> ECRClient:
        """The ECR client of ``region`` (botocore's retries off: this class retries and counts)."""
        c = self._clients.get(region)
        if c is None:
            with self._lock:
                c = self._clients.get(region)
                if c is None:
                    import boto3
                    from botocore.config import Config

                    if self.session is None:
                        self.session = boto3.Session()
                    c = self.session.client(
                        "ecr",
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        config=Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=30),
                    )
                    self._clients[region] = c
        return c

    def verify(self, target: Target, *, image_key: str | None = None) -> Verification:
        """Verify one image: a URI, an ``ImageRef`` or a ``smcat.catalog.resolve.Resolution``."""
        uri, key = _target(target)
        ref = target if isinstance(target, ImageRef) else parse_image_uri(uri)
        key = image_key or key
        base: _Subject = {
            "uri": ref.uri,
            "account": ref.account,
            "region": ref.region,
            "repository": ref.repository,
            "tag": ref.tag,
            "image_key": key,
        }
        image_id = {"imageDigest": ref.digest} if ref.digest else {"imageTag": ref.tag}
        outcome, attempts = self._call(
            ref.region,
            "batch_get_image",
            registryId=ref.account,
            repositoryName=ref.repository,
            imageIds=[image_id],
            acceptedMediaTypes=MEDIA_TYPES,
        )
        checked = now_iso()
        if isinstance(outcome, tuple):  # (status, reason, message)
            status, reason, message = outcome
            return Verification(
                **base, status=status, reason=reason, message=message, checked_at=checked, attempts=attempts
            )
        images, failures = outcome.get("images") or [], outcome.get("failures") or []
        if not images:
            code = failures[0].get("failureCode", "") if failures else ""
            why = failures[0].get("failureReason", "") if failures else "no image and no failure returned"
            if code in ("ImageNotFound", "ImageTagDoesNotMatchDigest", "MissingDigestAndTag"):
                what = f"tag {ref.tag!r}" if ref.tag else f"digest {ref.digest}"
                return Verification(
                    **base,
                    status=MISSING,
                    reason="tag_not_found",
                    message=f"{what} is not in {ref.registry}/{ref.repository} ({code}: {why})",
                    checked_at=checked,
                    attempts=attempts,
                )
            return Verification(
                **base,
                status=UNKNOWN,
                reason="registry_error",
                message=f"ECR could not answer for {ref.uri} ({code or 'no code'}: {why})",
                checked_at=checked,
                attempts=attempts,
            )
        img = images[0]
        digest = (img.get("imageId") or {}).get("imageDigest")
        media_type, size = _manifest_facts(img)
        pushed_at = None
        if self.details:
            more, n = self._call(
                ref.region,
                "describe_images",
                registryId=ref.account,
                repositoryName=ref.repository,
                imageIds=[image_id],
            )
            attempts += n
            if isinstance(more, dict) and more.get("imageDetails"):
                det = more["imageDetails"][0]
                pushed = det.get("imagePushedAt")
                pushed_at = format_iso(pushed) if isinstance(pushed, datetime) else None
                size = det.get("imageSizeInBytes", size)
                media_type = det.get("imageManifestMediaType") or media_type
        return Verification(
            **base,
            status=EXISTS,
            reason="found",
            message=f"{ref.uri} exists, digest {digest}",
            checked_at=checked,
            digest=digest,
            media_type=media_type,
            pushed_at=pushed_at,
            size=size,
            attempts=attempts,
        )

    def _call(self, region: str, op: str, **params: Any) -> tuple[_Outcome, int]:
        """(response, attempts), or ((status, reason, message), attempts) when ECR did not answer."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
        )

        attempts = 0
        last = ""
        while True:
            attempts += 1
            try:
                answer: dict[str, Any] = getattr(self.client(region), op)(**params)  # ECR by op name
                return answer, attempts
            except (NoCredentialsError, PartialCredentialsError) as e:
                return (
                    UNKNOWN,
                    "no_credentials",
                    f"no AWS credentials found ({e}); configure a profile, "
                    "environment variables or a role, then verify again",
                ), attempts - 1  # refused before signing: nothing was sent
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                msg = e.response.get("Error", {}).get("Message", "")
                http = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if code in _MISSING_CODES:
                    return (MISSING, _MISSING_CODES[code], f"{code}: {msg}"), attempts
                if code in _DENIED_CODES:
                    return (
                        UNKNOWN,
                        "access_denied",
                        f"access denied by ECR ({code}: {msg}); "
                        "the caller needs ecr:BatchGetImage on this repository",
                    ), attempts
                if code in _BAD_CREDENTIAL_CODES:
                    return (
                        UNKNOWN,
                        "invalid_credentials",
                        f"ECR refused the credentials ({code}: {msg})",
                    ), attempts
                if code in _THROTTLE_CODES or http == 429:
                    last = "throttled"
                elif http >= 500:
                    last = "service_error"
                else:
                    return (UNKNOWN, "registry_error", f"ECR answered {code or http}: {msg}"), attempts
                detail = f"{code or http}: {msg}"
            except NoRegionError as e:
                return (UNKNOWN, "registry_error", str(e)), attempts
            except BotoCoreError as e:  # connection errors, timeouts
                last, detail = "unreachable", f"{type(e).__name__}: {e}"
            if attempts >= self.max_attempts:
                return (UNKNOWN, last, f"gave up after {attempts} attempts ({detail})"), attempts
            self.sleep(random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempts - 1))))


def _manifest_facts(img: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """Media type and (compressed) size from the manifest BatchGetImage returned."""
    media_type = img.get("imageManifestMediaType")
    size = None
    try:
        manifest = json.loads(img.get("imageManifest") or "{}")
    except (TypeError, ValueError):
        return media_type, None
    media_type = media_type or manifest.get("mediaType")
    if isinstance(manifest.get("layers"), list):  # an image manifest (an index has no layers)
        sizes = [layer.get("size") for layer in manifest["layers"]] + [
            (manifest.get("config") or {}).get("size")
        ]
        if all(isinstance(s, int) for s in sizes):
            size = sum(sizes)
    return media_type, size


def _target(target: object) -> tuple[str, str | None]:
    if isinstance(target, str):
        return target, None
    if isinstance(target, ImageRef):
        return target.uri, None
    uri = getattr(target, "uri", None)
    if isinstance(uri, str):  # a Resolution (or anything carrying a uri and maybe a record)
        record = getattr(target, "record", None)
        return uri, getattr(record, "key_str", None)
    raise InvalidQuery(f"Cannot verify {target!r}: give an image URI or a resolution.", field="uri")


def verify(
    uri_or_resolution: Target,
    *,
    session: Session | None = None,
    endpoint_url: str | None = None,
    details: bool = False,
    max_attempts: int = 5,
) -> Verification:
    """Ask ECR whether one image exists (see the module docstring). Never raises for AWS trouble:
    that is an ``unknown`` verification with the reason named. Raises ``InvalidQuery`` for a
    string that is not an ECR image URI."""
    v = Verifier(session, endpoint_url=endpoint_url, details=details, max_attempts=max_attempts)
    return v.verify(uri_or_resolution)


# --------------------------------------------------------------------------- the importer's check


def check_before_import(
    image_uri: str,
    *,
    session: Session | None = None,
    endpoint_url: str | None = None,
    pin_digest: bool = False,
) -> tuple[str, Verification]:
    """Verify ``image_uri`` before an import creates anything: returns (the URI to deploy, the
    verification); the digest-pinned URI when ``pin_digest``. Raises ``ImageMissing`` (exit 3)
    or ``VerificationUnavailable`` (exit 5; pass ``verify=False`` to import without the check)."""
    v = verify(image_uri, session=session, endpoint_url=endpoint_url)
    if v.status == MISSING:
        raise ImageMissing(
            f"{image_uri} is not in the registry ({v.reason}): {v.message}. Nothing was created."
        )
    if v.status == UNKNOWN:
        raise VerificationUnavailable(
            f"Could not verify {image_uri} ({v.reason}): {v.message}. Nothing was created; "
            "fix the access or import with verify=False (--no-verify)."
        )
    return (v.pinned_uri if pin_digest else image_uri) or image_uri, v
