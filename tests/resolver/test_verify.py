"""verify(): a real moto server acting as the DLC registry account, real Docker v2 manifests.

Moto cannot refuse access across accounts (its ECR ignores IAM and ``registryId`` beyond the
account it serves) nor throttle; those branches are driven through botocore's public
``before-send`` event hook, which hands botocore a real HTTP error response to parse.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from smcat.catalog.errors import InvalidQuery
from smcat.catalog.store import Store, make_snapshot
from smcat.verify import ImageRef, Verification, Verifier, parse_image_uri, verify
from smcat.verify_log import VerificationLog, catalog_targets, verify_many
from tests.resolver import ecr_registry as reg
from tests.resolver.ecr_registry import REGION

ecr_url, ecr = reg.ecr_url, reg.ecr  # the fixtures
REGISTRY = f"{reg.DLC_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
TAG = "2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker"
URI = f"{REGISTRY}/pytorch-inference:{TAG}"


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_):
        yield self.data


class Refuser:
    """A ``before-send`` hook answering the first ``times`` ECR requests with an AWS JSON error."""

    def __init__(self, session, code: str, status: int, *, times: int = 10**6) -> None:
        self.code, self.status, self.times = code, status, times
        self.sent: list[dict] = []
        session.events.register("before-send.ecr", self)

    def __call__(self, request, **_):
        self.sent.append(json.loads(request.body or b"{}"))
        if len(self.sent) > self.times:
            return None  # let it through to moto
        body = json.dumps({"__type": self.code, "message": f"{self.code} (injected)"}).encode()
        headers = {"x-amzn-requestid": "test", "content-type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, self.status, headers, _Body(body))


class Counter:
    """Every ECR request the session's clients actually send."""

    def __init__(self, session) -> None:
        self.bodies: list[dict] = []
        session.events.register("before-send.ecr", self)

    def __call__(self, request, **_):
        self.bodies.append(json.loads(request.body or b"{}"))


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("uri", "region", "tag", "digest"),
    [
        (URI, REGION, TAG, None),
        # China partition
        (
            "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/pytorch-inference:2.1.0-cpu-py310",
            "cn-north-1",
            "2.1.0-cpu-py310",
            None,
        ),
        # GovCloud keeps the commercial suffix; FIPS host form
        (
            "442386744353.dkr.ecr-fips.us-gov-west-1.amazonaws.com/tensorflow-inference:2.13-cpu",
            "us-gov-west-1",
            "2.13-cpu",
            None,
        ),
        # ISO partition
        (
            "886529160074.dkr.ecr.us-iso-east-1.c2s.ic.gov/sagemaker-xgboost:1.7-1",
            "us-iso-east-1",
            "1.7-1",
            None,
        ),
        # already pinned, no tag
        (f"{REGISTRY}/pytorch-inference@sha256:" + "a" * 64, REGION, None, "sha256:" + "a" * 64),
    ],
)
def test_parse_image_uri_across_partitions(uri, region, tag, digest):
    ref = parse_image_uri(uri)
    assert (ref.region, ref.tag, ref.digest) == (region, tag, digest)
    assert ref.uri == uri


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("pytorch-inference:2.6", "Not an ECR image URI"),
        (
            f"{reg.DLC_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.cn/x:1",
            "not *.amazonaws.com.cn",
        ),  # wrong suffix
        (f"{reg.DLC_ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com/x:1", "at *.amazonaws.com.cn"),
        (f"{REGISTRY}/pytorch-inference", "names no tag or digest"),
        ("12345.dkr.ecr.eu-west-1.amazonaws.com/x:1", "Not an ECR image URI"),  # account is 12 digits
    ],
)
def test_bad_uris_say_what_is_expected(uri, says):
    with pytest.raises(InvalidQuery, match="Expected ACCOUNT") as e:
        parse_image_uri(uri)
    assert says in str(e.value)


# --------------------------------------------------------------------------- the three answers


def test_exists_with_digest_media_type_size_and_pin(ecr):
    session, url, client = ecr
    digest = reg.push(client, "pytorch-inference", TAG)
    counter = Counter(session)
    before = datetime.now(UTC).replace(microsecond=0)
    v = verify(URI, session=session, endpoint_url=url)
    assert v.status == "exists" and v.reason == "found"
    assert v.digest == digest
    assert v.media_type == reg.MANIFEST_V2
    assert v.size == reg.MANIFEST_SIZE
    assert v.pinned_uri == f"{REGISTRY}/pytorch-inference@{digest}"
    assert v.exit_code == 0 and v.attempts == 1
    assert datetime.fromisoformat(v.checked_at.replace("Z", "+00:00")) >= before
    # one BatchGetImage to the image's own account, asking for manifest lists too
    assert len(counter.bodies) == 1
    sent = counter.bodies[0]
    assert sent["registryId"] == reg.DLC_ACCOUNT and sent["imageIds"] == [{"imageTag": TAG}]
    assert "application/vnd.oci.image.index.v1+json" in sent["acceptedMediaTypes"]


def test_details_adds_pushed_at(ecr):
    session, url, client = ecr
    reg.push(client, "pytorch-inference", TAG)
    v = verify(URI, session=session, endpoint_url=url, details=True)
    assert v.status == "exists" and v.pushed_at and v.pushed_at.endswith("Z") and v.attempts == 2


def test_a_pinned_uri_is_verified_by_digest(ecr):
    session, url, client = ecr
    digest = reg.push(client, "pytorch-inference", TAG)
    v = verify(f"{REGISTRY}/pytorch-inference@{digest}", session=session, endpoint_url=url)
    assert v.status == "exists" and v.digest == digest


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        (f"{REGISTRY}/pytorch-inference:2.5.1-gpu-py311", "tag_not_found"),
        (f"{REGISTRY}/no-such-repository:1.0", "repository_not_found"),
    ],
)
def test_missing_tag_or_repository(ecr, uri, reason):
    session, url, client = ecr
    reg.push(client, "pytorch-inference", TAG)
    v = verify(uri, session=session, endpoint_url=url)
    assert (v.status, v.reason, v.exit_code) == ("missing", reason, 3)
    assert v.digest is None and v.pinned_uri is None


def test_no_credentials_is_unknown_never_missing(ecr, monkeypatch, tmp_path):
    _, url, _client = ecr
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    v = verify(f"{REGISTRY}/no-such-repository:1.0", session=boto3.Session(), endpoint_url=url)
    assert (v.status, v.reason, v.exit_code, v.attempts) == ("unknown", "no_credentials", 5, 0)
    assert "credentials" in v.message


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("AccessDeniedException", "access_denied"),  # cross-account refusal: moto cannot model it
        ("UnrecognizedClientException", "invalid_credentials"),
        ("ExpiredTokenException", "invalid_credentials"),
    ],
)
def test_refused_is_unknown_never_missing(ecr, code, reason):
    session, url, _client = ecr
    refuser = Refuser(session, code, 400)
    v = verify(f"{REGISTRY}/no-such-repository:1.0", session=session, endpoint_url=url)
    assert (v.status, v.reason, v.exit_code) == ("unknown", reason, 5)
    assert code in v.message and len(refuser.sent) == 1  # not retried


def test_throttling_is_retried_with_backoff(ecr):
    session, url, client = ecr
    digest = reg.push(client, "pytorch-inference", TAG)
    refuser = Refuser(session, "ThrottlingException", 400, times=2)
    sleeps: list[float] = []
    v = Verifier(session, endpoint_url=url, base_delay=0.5, sleep=sleeps.append).verify(URI)
    assert v.status == "exists" and v.digest == digest
    assert v.attempts == 3 and len(refuser.sent) == 3
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0  # full jitter, doubling cap


def test_throttled_past_the_retries_is_unknown(ecr):
    session, url, client = ecr
    reg.push(client, "pytorch-inference", TAG)
    Refuser(session, "TooManyRequestsException", 429)
    v = Verifier(session, endpoint_url=url, max_attempts=4, sleep=lambda _s: None).verify(URI)
    assert (v.status, v.reason, v.attempts) == ("unknown", "throttled", 4)
    assert "gave up after 4 attempts" in v.message


def test_server_errors_are_retried_then_unknown(ecr):
    session, url, _client = ecr
    Refuser(session, "ServerException", 500)
    v = Verifier(session, endpoint_url=url, max_attempts=2, sleep=lambda _s: None).verify(URI)
    assert (v.status, v.reason, v.attempts) == ("unknown", "service_error", 2)


def test_aws_endpoint_url_from_the_environment_is_honoured(ecr, monkeypatch):
    _session, url, client = ecr
    digest = reg.push(client, "pytorch-inference", TAG)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    fresh = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    assert verify(URI, session=fresh).digest == digest


def test_verify_a_resolution_carries_the_image_key(ecr):
    from smcat.catalog.resolve import resolve
    from smcat.catalog.store import open_store

    session, url, client = ecr
    res = resolve("pytorch", "2.6", REGION, gpu=True, snapshot=open_store("/nonexistent-smcat").load())
    repo, tag = res.uri.split("/", 1)[1].split(":")
    digest = reg.push(client, repo, tag)
    v = verify(res, session=session, endpoint_url=url)
    assert v.status == "exists" and v.digest == digest and v.image_key == res.record.key_str


def test_ref_or_junk_targets(ecr):
    session, url, client = ecr
    reg.push(client, "pytorch-inference", TAG)
    assert verify(parse_image_uri(URI), session=session, endpoint_url=url).status == "exists"
    assert isinstance(parse_image_uri(URI), ImageRef)
    with pytest.raises(InvalidQuery, match="give an image URI"):
        verify(42, session=session, endpoint_url=url)


# --------------------------------------------------------------------------- the log and many images


def _v(uri: str, status: str, when: datetime, digest: str | None = "sha256:" + "b" * 64) -> Verification:
    ref = parse_image_uri(uri)
    return Verification(
        uri,
        ref.account,
        ref.region,
        ref.repository,
        ref.tag,
        status,
        "found" if status == "exists" else "throttled",
        "",
        when.isoformat().replace("+00:00", "Z"),
        digest=digest if status == "exists" else None,
    )


def test_log_keeps_conclusive_answers_and_a_history(tmp_path):
    log = VerificationLog(Store(tmp_path))
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    log.record([_v(URI, "exists", t0)])
    log.record([_v(URI, "unknown", t0 + timedelta(hours=1))])  # could not ask: does not erase "exists"
    v = log.get(URI)
    assert v.status == "exists" and v.checked_at == "2026-11-01T00:00:00Z" and v.cached
    doc = json.loads((tmp_path / "verifications.json").read_text())
    assert [h["status"] for h in doc["images"][URI]["history"]] == ["exists", "unknown"]
    assert log.fresh(URI, timedelta(hours=24), now=t0 + timedelta(hours=23)) is not None
    assert log.fresh(URI, timedelta(hours=24), now=t0 + timedelta(hours=25)) is None
    # the snapshot directory is untouched: observations live beside it
    assert not (tmp_path / "snapshots").exists()


def _writer(root: str, w: int) -> None:
    log = VerificationLog(Store(root))  # its own store and log, as another smcat process has
    t0 = datetime.now(UTC)
    for i in range(25):
        log.record([_v(f"{REGISTRY}/pytorch-inference:w{w}-{i}", "exists", t0)])


def test_concurrent_writers_lose_nothing(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert len(VerificationLog(Store(tmp_path)).entries()) == 100


def test_a_garbled_log_reads_as_empty(tmp_path):
    (tmp_path / "verifications.json").write_text("{not json")
    assert VerificationLog(Store(tmp_path)).entries() == {}


def test_verify_many_in_order_then_from_the_log_with_zero_requests(ecr, tmp_path):
    session, url, client = ecr
    uris = []
    for i in range(12):
        tag = f"2.{i}.0-cpu-py312"
        if i % 4:  # every fourth image is absent
            reg.push(client, "pytorch-inference", tag)
        uris.append(f"{REGISTRY}/pytorch-inference:{tag}")
    counter = Counter(session)
    log = VerificationLog(Store(tmp_path))
    seen = []
    verifier = Verifier(session, endpoint_url=url)
    first = verify_many(
        uris, verifier=verifier, log=log, max_age=timedelta(hours=24), concurrency=4, progress=seen.append
    )
    assert [v.uri for v in first] == uris and len(seen) == 12
    assert [v.status for v in first] == ["missing" if i % 4 == 0 else "exists" for i in range(12)]
    assert len(counter.bodies) == 12
    second = verify_many(uris, verifier=verifier, log=log, max_age=timedelta(hours=24), concurrency=4)
    assert len(counter.bodies) == 12  # nothing sent
    assert all(v.cached for v in second) and [v.digest for v in second] == [v.digest for v in first]


def test_catalog_targets_and_registry_conflicts(tmp_path):
    from smcat.catalog.models import ImageRecord, Provenance

    prov = Provenance("sdk", "https://example.test/sdk.json", "2026-11-01T00:00:00Z")
    recs = [
        ImageRecord(
            "pytorch",
            "2.6.0",
            "inference",
            "gpu",
            "pytorch-inference",
            tags=(TAG,),
            accounts={REGION: reg.DLC_ACCOUNT, "us-east-1": reg.DLC_ACCOUNT},
            provenance=(prov,),
        ),
        ImageRecord(
            "pytorch",
            "2.5.1",
            "inference",
            "gpu",
            "pytorch-inference",
            tags=("2.5.1-gpu",),
            registry_family="dlc",
            provenance=(prov,),
        ),
        ImageRecord(
            "pytorch",
            "2.4.0",
            "inference",
            "gpu",
            "pytorch-inference",
            tags=(),
            accounts={REGION: reg.DLC_ACCOUNT},
        ),  # no tag: nothing to check
    ]
    snap = make_snapshot(recs, registries={"dlc": {REGION: reg.DLC_ACCOUNT}})
    targets = catalog_targets(snap, REGION)
    assert targets == sorted(
        [(URI, recs[0].key_str), (f"{REGISTRY}/pytorch-inference:2.5.1-gpu", recs[1].key_str)]
    )
    assert catalog_targets(snap, "ap-south-1") == []
    log = VerificationLog(Store(tmp_path))
    now = datetime.now(UTC)
    log.record([_v(URI, "exists", now), _v(targets[0][0], "exists", now)])
    missing = _v(f"{REGISTRY}/pytorch-inference:2.5.1-gpu", "missing", now)
    log.record([_with_key(missing, recs[1].key_str)])
    found = log.registry_conflicts(snap)
    assert [c["subject"] for c in found] == [f"{REGISTRY}/pytorch-inference:2.5.1-gpu"]
    assert found[0]["field"] == "registry"
    assert found[0]["claims"][0] == {"value": "listed", "url": "https://example.test/sdk.json"}
    assert found[0]["claims"][-1]["url"] == "ecr" and found[0]["claims"][-1]["value"].startswith("absent")


def _with_key(v: Verification, key: str) -> Verification:
    from dataclasses import replace

    return replace(v, image_key=key, reason="tag_not_found")
