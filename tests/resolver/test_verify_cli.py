"""``smcat verify``, ``smcat resolve --verify``, ``catalog conflicts``, ``GET /image?verify=true`` and
``import_model(verify=, pin_digest=)`` against a moto server acting as the DLC registry account."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from smcat.catalog.store import Store, shipped_dir
from smcat.cli import cli
from smcat.importer import import_model
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings
from smcat.verify import ImageMissing, VerificationUnavailable
from smcat.verify_log import VerificationLog
from tests.resolver import ecr_registry as reg
from tests.resolver import import_models as m
from tests.resolver.ecr_registry import REGION

ecr_url, ecr = reg.ecr_url, reg.ecr  # the fixtures
REGISTRY = f"{reg.DLC_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
TAG = "2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker"  # what the shipped catalogue resolves pytorch 2.6 gpu to
URI = f"{REGISTRY}/pytorch-inference:{TAG}"
RESOLVE = ["resolve", "-f", "pytorch", "-v", "2.6", "--gpu", "-r", REGION, "--verify"]


@pytest.fixture
def env(ecr, tmp_path, monkeypatch):
    """The CLI's environment: credentials and AWS_ENDPOINT_URL pointing at the registry, a catalogue dir."""
    session, url, client = ecr
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    (tmp_path / "catalog").mkdir()  # a named catalogue must exist (only refresh creates one)
    monkeypatch.setenv("SMCAT_CATALOG", str(tmp_path / "catalog"))
    return session, url, client, tmp_path / "catalog"


def smcat(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_verify_uri_prints_the_pinned_reference(env):
    _, _, client, catalog = env
    digest = reg.push(client, "pytorch-inference", TAG)
    r = smcat("verify", URI)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == f"{REGISTRY}/pytorch-inference@{digest}"
    doc = json.loads((catalog / "verifications.json").read_text())
    assert doc["images"][URI]["digest"] == digest and doc["images"][URI]["source"] == "ecr"


def test_verify_exit_codes_and_json(env, tmp_path, monkeypatch):
    _, _, client, _ = env
    reg.push(client, "pytorch-inference", TAG)
    missing = f"{REGISTRY}/pytorch-inference:1.0.0-nope"
    r = smcat("verify", missing)
    assert r.exit_code == 3 and "missing (tag_not_found)" in r.stderr and r.stdout == ""
    r = smcat("verify", URI, missing, "--json")
    out = json.loads(r.stdout)
    assert r.exit_code == 3 == out["exit_code"]
    assert [v["status"] for v in out["results"]] == ["exists", "missing"]
    assert out["summary"]["requests"] == 2
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    r = smcat("verify", URI)
    assert r.exit_code == 5 and "could not check (no_credentials)" in r.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["verify"], "Nothing to verify"),
        (["verify", "pytorch:2.6"], "Not an ECR image URI"),
        (["verify", "--catalog-sample", "3"], "need --region"),
        (["verify", "--all", "--region", "xx-nowhere-9"], "Unknown region: 'xx-nowhere-9'"),
        (["verify", URI, "--all", "--region", REGION], "not both"),
    ],
)
def test_bad_input_is_one_line_exit_2(env, args, says):
    r = smcat(*args)
    assert r.exit_code == 2 and says in r.stderr and "Traceback" not in r.output
    r = smcat(*args, "--json")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "invalid_query"


def test_resolve_verify_pins_or_says_missing(env):
    _, _, client, _ = env
    r = smcat(*RESOLVE)
    assert r.exit_code == 3 and "missing (repository_not_found)" in r.stderr and r.stdout == ""
    digest = reg.push(client, "pytorch-inference", TAG)
    r = smcat(*RESOLVE)
    assert r.exit_code == 0 and r.stdout.strip() == f"{REGISTRY}/pytorch-inference@{digest}"
    r = smcat(*RESOLVE, "--json")
    body = json.loads(r.stdout)
    assert body["uri"] == URI and body["pinned_uri"].endswith(digest)
    assert body["verification"]["status"] == "exists"
    # a plain resolve now says when the image was last verified
    r = smcat("resolve", "-f", "pytorch", "-v", "2.6", "--gpu", "-r", REGION)
    assert r.exit_code == 0 and f"exists, digest {digest}" in r.stderr and "verified on 20" in r.stderr


def test_catalog_sample_progress_summary_and_second_run_from_the_log(env):
    _, _, client, _ = env
    reg.push(client, "pytorch-inference", TAG)
    args = ["verify", "--catalog-sample", "6", "--region", REGION, "--seed", "7", "--json"]
    first = json.loads(smcat(*args).stdout)
    assert first["summary"]["checked"] == 6 and first["summary"]["requests"] == 6
    assert first["summary"]["missing"] >= 5  # the registry holds one image only
    again = json.loads(smcat(*args).stdout)
    assert again["summary"]["requests"] == 0 and again["summary"]["from_log"] == 6
    assert [v["uri"] for v in again["results"]] == [v["uri"] for v in first["results"]]
    forced = json.loads(smcat(*args, "--fresh-for", "0").stdout)
    assert forced["summary"]["requests"] == 6
    r = smcat("verify", "--catalog-sample", "4", "--region", REGION, "--seed", "8", "--fresh-for", "0")
    assert r.exit_code == 3 and "summary" in r.stdout and "problems" in r.stdout
    # the absent ones show up as conflicts between the sources and the registry
    conflicts = json.loads(smcat("catalog", "conflicts", "--json").stdout)
    absent = [c for c in conflicts if c["field"] == "registry"]
    assert len(absent) >= 5 and all(c["claims"][-1]["url"] == "ecr" for c in absent)
    logged = VerificationLog(Store(env[3])).entries()
    assert {c["subject"] for c in absent} == {u for u, e in logged.items() if e["status"] == "missing"}


def test_no_record_leaves_the_catalogue_alone(env):
    _, _, client, catalog = env
    reg.push(client, "pytorch-inference", TAG)
    assert smcat("verify", URI, "--no-record").exit_code == 0
    assert not (catalog / "verifications.json").exists()


# --------------------------------------------------------------------------- the service


@pytest.fixture
def store(tmp_path):
    shutil.copytree(shipped_dir() / "snapshots", tmp_path / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", tmp_path / "CURRENT")
    return Store(tmp_path)


def _client(store, **settings):
    holder = CatalogHolder(store, reload_seconds=0)
    return TestClient(create_app(Settings(reload_seconds=0, **settings), holder=holder))


Q = f"/image?framework=pytorch&version=2.6&gpu=true&region={REGION}"


def _record(store, hours_ago: float, status: str = "exists") -> str:
    from smcat.verify import Verification

    when = (
        (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(timespec="seconds").replace("+00:00", "Z")
    )
    digest = "sha256:" + "c" * 64
    VerificationLog(store).record(
        [
            Verification(
                URI,
                reg.DLC_ACCOUNT,
                REGION,
                "pytorch-inference",
                TAG,
                status,
                "found",
                "",
                when,
                digest=digest if status == "exists" else None,
            )
        ]
    )
    return digest


def test_service_answers_from_the_recorded_check_only(store, monkeypatch):
    # no credentials and no endpoint at all: an AWS call would come back "unknown", never "verified"
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    with _client(store) as c:
        body = c.get(Q + "&verify=true").json()
        assert body["verification"]["status"] == "not_verified" and body["uri"] == URI
        assert "verification" not in c.get(Q).json()
        digest = _record(store, hours_ago=2)
        v = c.get(Q + "&verify=true").json()["verification"]
        assert v["status"] == "verified" and v["result"] == "exists"
        assert v["pinned_uri"] == f"{REGISTRY}/pytorch-inference@{digest}" and 1.9 < v["age_hours"] < 2.1
        r = c.get(Q + "&verify=maybe")
        assert r.status_code == 422 and r.json()["field"] == "verify"


def test_service_stale_check_is_not_verified_unless_configured(store):
    _record(store, hours_ago=30)
    with _client(store) as c:
        v = c.get(Q + "&verify=true").json()["verification"]
        assert (
            v["status"] == "not_verified"
            and v["last_result"] == "exists"
            and "older than 24 h" in v["reason"]
        )
    with _client(store, verify_max_age_hours=48) as c:
        assert c.get(Q + "&verify=true").json()["verification"]["status"] == "verified"


# --------------------------------------------------------------------------- the importer


@pytest.fixture
def pt_model(tmp_path):
    root = tmp_path / "resnet"
    m.torchscript(root / "model.pth")
    m.script(root / "code" / "inference.py")
    return root


def _import(session, url, model, **kw):
    session.client("s3", endpoint_url=url).create_bucket(
        Bucket="models", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return import_model(
        model,
        framework="pytorch",
        version="2.6",
        region=REGION,
        role="arn:aws:iam::123456789012:role/SageMakerRole",
        image_uri=URI,
        bucket="models",
        mode="register",
        boto3_session=session,
        endpoint_url=url,
        **kw,
    )


def test_import_deploys_the_digest_pinned_image(ecr, pt_model):
    session, url, client = ecr
    digest = reg.push(client, "pytorch-inference", TAG)
    res = _import(session, url, pt_model, verify=True, pin_digest=True)
    image = session.client("sagemaker", endpoint_url=url).describe_model(ModelName=res.model_name)[
        "PrimaryContainer"
    ]["Image"]
    assert image == f"{REGISTRY}/pytorch-inference@{digest}" == res.image_uri


def test_import_refuses_a_missing_image_before_creating_anything(ecr, pt_model):
    session, url, _client = ecr
    with pytest.raises(ImageMissing, match="Nothing was created"):
        _import(session, url, pt_model, verify=True)
    sm = session.client("sagemaker", endpoint_url=url)
    assert sm.list_models()["Models"] == []
    s3 = session.client("s3", endpoint_url=url)
    assert s3.list_objects_v2(Bucket="models").get("KeyCount", 0) == 0


def test_import_with_an_unreachable_registry_says_so(ecr, pt_model):
    session, url, client = ecr
    reg.push(client, "pytorch-inference", TAG)

    def deny(request, **_):
        from botocore.awsrequest import AWSResponse

        class Body:
            def stream(self, **_):
                yield b'{"__type":"AccessDeniedException","message":"not authorized"}'

        return AWSResponse(request.url, 400, {"content-type": "application/x-amz-json-1.1"}, Body())

    session.events.register("before-send.ecr", deny)
    with pytest.raises(VerificationUnavailable, match="access_denied") as e:
        _import(session, url, pt_model, verify=True)
    assert e.value.exit_code == 5
    assert session.client("sagemaker", endpoint_url=url).list_models()["Models"] == []
