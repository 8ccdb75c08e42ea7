"""import_model() end to end against a real moto server process (S3, SageMaker, STS over HTTP)."""

from __future__ import annotations

import re

import pytest

from smcat.importer import (
    BucketMissing,
    ContractError,
    ImportFailed,
    InvalidImportRequest,
    UploadConflict,
    import_model,
)
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE

BUCKET = "models-bucket"
GPU_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310-cu118-ubuntu20.04"


@pytest.fixture
def pt_model(tmp_path):
    root = tmp_path / "resnet"
    m.torchscript(root / "model.pth")
    m.script(root / "code" / "inference.py")
    return root


class Recorder:
    """Every API call the session's clients send (botocore's public event hooks)."""

    def __init__(self, session) -> None:
        self.calls: list[tuple[str, str, dict]] = []
        session.events.register("provide-client-params.*.*", self._record)

    def _record(self, params, model, **kwargs):
        self.calls.append((model.service_model.service_name, model.name, dict(params)))

    def ops(self, service: str | None = None) -> list[str]:
        return [op for svc, op, _ in self.calls if service in (None, svc)]


def run(session, endpoint, model, **kw):
    kw.setdefault("image_uri", IMAGE)
    kw.setdefault("bucket", BUCKET)
    return import_model(
        model,
        framework=kw.pop("framework", "pytorch"),
        version=kw.pop("version", "2.1"),
        region=REGION,
        role=kw.pop("role", ROLE),
        boto3_session=session,
        endpoint_url=endpoint,
        **kw,
    )


def leftovers(session, endpoint) -> dict:
    sm = session.client("sagemaker", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    objects = []
    for b in s3.list_buckets()["Buckets"]:
        objects += [o["Key"] for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])]
    return {
        "models": [x["ModelName"] for x in sm.list_models()["Models"]],
        "configs": [x["EndpointConfigName"] for x in sm.list_endpoint_configs()["EndpointConfigs"]],
        "endpoints": [x["EndpointName"] for x in sm.list_endpoints()["Endpoints"]],
        "objects": objects,
    }


EMPTY = {"models": [], "configs": [], "endpoints": [], "objects": []}


def make_bucket(session, endpoint, name=BUCKET):
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)


# --- each mode ----------------------------------------------------------------------------------


def test_endpoint_mode(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    events = []
    res = run(session, endpoint, pt_model, tags={"team": "ml"}, progress=lambda e, i: events.append(e))
    key = f"smcat/resnet/{res.sha256[:12]}/model.tar.gz"  # content-addressed by default
    assert res.uploaded and res.s3_url == f"s3://{BUCKET}/{key}"
    assert re.fullmatch(r"resnet-[0-9a-f]{8}-\d{8}-\d{6}-\d{3}", res.model_name)
    assert res.model_name[7:15] == res.sha256[:8]
    sm = session.client("sagemaker", endpoint_url=endpoint)
    assert sm.describe_endpoint(EndpointName=res.endpoint_name)["EndpointStatus"] == "InService"
    container = sm.describe_model(ModelName=res.model_name)["PrimaryContainer"]
    assert container["ModelDataUrl"] == res.s3_url
    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": "inference.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
        "SAGEMAKER_REGION": REGION,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    }
    head = session.client("s3", endpoint_url=endpoint).head_object(Bucket=BUCKET, Key=key)
    assert head["Metadata"]["sha256"] == res.sha256 and head["ContentLength"] == res.size
    assert res.created == [
        f"s3-object:{res.s3_url}",
        f"model:{res.model_name}",
        f"endpoint-config:{res.endpoint_config_name}",
        f"endpoint:{res.endpoint_name}",
    ]
    assert "packaged" in events and "upload_bytes" in events


def test_serverless_mode(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    res = run(session, endpoint, pt_model, mode="serverless", serverless_memory_mb=3072)
    sm = session.client("sagemaker", endpoint_url=endpoint)
    variant = sm.describe_endpoint_config(EndpointConfigName=res.endpoint_config_name)["ProductionVariants"][
        0
    ]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 5}
    assert sm.describe_endpoint(EndpointName=res.endpoint_name)["EndpointStatus"] == "InService"


def test_serverless_refuses_gpu_image_before_any_call(aws, pt_model):
    session, endpoint = aws
    rec = Recorder(session)
    with pytest.raises(InvalidImportRequest, match="CPU only"):
        run(session, endpoint, pt_model, mode="serverless", image_uri=GPU_IMAGE)
    assert rec.calls == []


def test_batch_mode(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    res = run(
        session,
        endpoint,
        pt_model,
        mode="batch",
        instance_type="ml.p3.2xlarge",
        batch_input=f"s3://{BUCKET}/in/",
        batch_output=f"s3://{BUCKET}/out/",
        content_type="text/csv",
        split_type="Line",
    )
    job = session.client("sagemaker", endpoint_url=endpoint).describe_transform_job(
        TransformJobName=res.transform_job_name
    )
    assert job["TransformJobStatus"] == "Completed"
    assert job["TransformInput"]["ContentType"] == "text/csv"
    assert job["TransformResources"]["InstanceType"] == "ml.p3.2xlarge"


def test_register_mode_only_creates_model(aws, tmp_path):
    session, endpoint = aws
    make_bucket(session, endpoint)
    model = m.xgboost_json(tmp_path / "booster.json")
    res = run(session, endpoint, model, framework="xgboost", version="1.7-1", mode="register")
    left = leftovers(session, endpoint)
    assert left["models"] == [res.model_name] and left["endpoints"] == [] and left["configs"] == []
    assert res.endpoint_name is None


def test_default_bucket_from_sts(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint, f"sagemaker-{REGION}-123456789012")
    res = run(session, endpoint, pt_model, bucket=None, mode="register")
    assert res.s3_url.startswith(f"s3://sagemaker-{REGION}-123456789012/")


def test_resolver_callable_is_asked_for_the_image(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    asked = []

    def resolver(*args):
        asked.append(args)
        return GPU_IMAGE

    res = run(session, endpoint, pt_model, image_uri=None, resolver=resolver, instance_type="ml.g4dn.xlarge")
    assert asked == [("pytorch", "2.1", REGION, "inference", "ml.g4dn.xlarge", None)]
    assert res.image_uri == GPU_IMAGE


# --- plan ----------------------------------------------------------------------------------------


def _normalise(obj):
    return re.sub(r"-\d{8}-\d{6}-\d{3}", "-TS", repr(obj))


def test_dry_run_calls_nothing_and_plan_equals_calls_made(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    rec = Recorder(session)
    dry = run(session, endpoint, pt_model, dry_run=True)
    assert rec.calls == []
    assert dry.dry_run and dry.model_name is None
    text = dry.plan.to_text()
    assert "sagemaker.create_endpoint_config" in text and '"InstanceType": "ml.m5.large"' in text
    assert '"sagemaker"' in dry.plan.to_json()

    res = run(session, endpoint, pt_model)
    assert [(s.service, s.operation) for s in res.calls] == [(s.service, s.operation) for s in res.plan.steps]
    assert _normalise(res.plan.to_dict()["steps"]) == _normalise(dry.plan.to_dict()["steps"])
    # the SageMaker API calls actually sent carry exactly the planned payloads
    sent = [(op, p) for svc, op, p in rec.calls if svc == "sagemaker" and op.startswith("Create")]
    planned = [s for s in res.plan.steps if s.operation.startswith("create_")]
    assert [op for op, _ in sent] == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    assert [p for _, p in sent] == [s.params for s in planned]
    assert "PutObject" in rec.ops("s3") or "CreateMultipartUpload" in rec.ops("s3")


# --- failures ------------------------------------------------------------------------------------


def test_invalid_instance_type_rejected_before_any_call(aws, pt_model):
    session, endpoint = aws
    rec = Recorder(session)
    with pytest.raises(InvalidImportRequest, match="Invalid instance type"):
        run(session, endpoint, pt_model, instance_type="m5.large")
    assert rec.calls == []


def test_contract_failure_before_any_call(aws, tmp_path):
    session, endpoint = aws
    rec = Recorder(session)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContractError):
        run(session, endpoint, tmp_path / "empty")
    assert rec.calls == []


def test_named_missing_bucket_is_never_created(aws, pt_model):
    session, endpoint = aws
    rec = Recorder(session)
    with pytest.raises(BucketMissing, match="never creates a bucket you name") as exc:
        run(session, endpoint, pt_model, bucket="no-such-bucket")
    assert exc.value.exit_code == 2  # nothing was created: the cause itself, not ImportFailed
    assert "CreateBucket" not in rec.ops()
    assert leftovers(session, endpoint) == EMPTY


def test_endpoint_config_refused_rolls_back_model_and_object(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    # valid for smcat, refused by the (moto) service: a failing CreateEndpointConfig
    with pytest.raises(ImportFailed) as exc:
        run(session, endpoint, pt_model, instance_type="ml.g5.xlarge")
    err = exc.value
    assert err.step == "create the endpoint configuration"
    assert [c.split(":")[0] for c in err.created] == ["s3-object", "model"]
    assert [c.split(":")[0] for c in err.deleted] == ["model", "s3-object"]  # newest first
    assert err.left == []
    assert leftovers(session, endpoint) == EMPTY


def _fail_create_endpoint(session):
    def refuse(**kwargs):
        # botocore's documented short-circuit (what Stubber uses): answer this one call with an error
        return (
            type("R", (), {"status_code": 400, "headers": {}})(),
            {"Error": {"Code": "ResourceLimitExceeded", "Message": "endpoint quota reached"}},
        )

    session.events.register("before-call.sagemaker.CreateEndpoint", refuse)


def test_failing_create_endpoint_deletes_everything(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    _fail_create_endpoint(session)
    with pytest.raises(ImportFailed, match="quota") as exc:
        run(session, endpoint, pt_model)
    assert [c.split(":")[0] for c in exc.value.deleted] == ["endpoint-config", "model", "s3-object"]
    assert leftovers(session, endpoint) == EMPTY


def test_keep_on_failure_reports_what_is_left(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    _fail_create_endpoint(session)
    with pytest.raises(ImportFailed) as exc:
        run(session, endpoint, pt_model, keep_on_failure=True)
    assert exc.value.deleted == [] and len(exc.value.left) == 3
    left = leftovers(session, endpoint)
    assert len(left["models"]) == 1 and len(left["configs"]) == 1 and left["endpoints"] == []


def test_object_not_uploaded_by_this_call_is_kept_on_failure(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    first = run(session, endpoint, pt_model, mode="register")
    _fail_create_endpoint(session)
    with pytest.raises(ImportFailed) as exc:
        run(session, endpoint, pt_model)
    assert not any(c.startswith("s3-object") for c in exc.value.created)
    left = leftovers(session, endpoint)
    assert left["objects"] == [f"smcat/resnet/{first.sha256[:12]}/model.tar.gz"]
    assert left["models"] == [first.model_name]


# --- upload idempotence ----------------------------------------------------------------------------


def test_retrained_model_goes_to_a_new_content_addressed_key(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    first = run(session, endpoint, pt_model, mode="register")
    (pt_model / "extra.txt").write_text("retrained")
    second = run(session, endpoint, pt_model, mode="register")  # no conflict, no --overwrite needed
    assert first.uploaded and second.uploaded and first.sha256 != second.sha256
    assert leftovers(session, endpoint)["objects"] == sorted(
        f"smcat/resnet/{r.sha256[:12]}/model.tar.gz" for r in (first, second)
    )


def test_reimport_uploads_nothing_and_fixed_key_never_overwrites(aws, pt_model):
    session, endpoint = aws
    make_bucket(session, endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    key = "smcat/resnet/model.tar.gz"
    first = run(session, endpoint, pt_model, mode="register", content_addressed=False)
    before = s3.head_object(Bucket=BUCKET, Key=key)["LastModified"]
    rec = Recorder(session)
    second = run(session, endpoint, pt_model, mode="register", content_addressed=False)
    assert first.uploaded and not second.uploaded
    assert second.sha256 == first.sha256 and second.model_name != first.model_name
    assert s3.head_object(Bucket=BUCKET, Key=key)["LastModified"] == before
    assert "PutObject" not in rec.ops() and "CreateMultipartUpload" not in rec.ops()

    (pt_model / "extra.txt").write_text("changed")
    with pytest.raises(UploadConflict, match="--overwrite") as exc:
        run(session, endpoint, pt_model, mode="register", content_addressed=False)
    assert exc.value.exit_code == 5 and leftovers(session, endpoint)["models"] == [
        first.model_name,
        second.model_name,
    ]
    third = run(session, endpoint, pt_model, mode="register", overwrite=True, content_addressed=False)
    assert third.uploaded and s3.head_object(Bucket=BUCKET, Key=key)["Metadata"]["sha256"] == third.sha256


# --- training-job route ----------------------------------------------------------------------------


def test_training_job_route(aws, tmp_path):
    session, endpoint = aws
    make_bucket(session, endpoint)
    model = m.sklearn_joblib(tmp_path / "sk" / "model.joblib")
    ep = m.script(tmp_path / "inference.py")
    train_image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    asked = []

    def resolver(fw, version, region, scope, instance_type, py):
        asked.append(scope)
        return train_image if scope == "training" else IMAGE

    res = run(
        session,
        endpoint,
        model.parent,
        framework="sklearn",
        version="1.2-1",
        entry_point=ep,
        image_uri=None,
        resolver=resolver,
        packaging="training-job",
        mode="register",
    )
    assert asked == ["inference", "training"]
    sm = session.client("sagemaker", endpoint_url=endpoint)
    job = sm.describe_training_job(TrainingJobName=res.training_job_name)
    assert job["AlgorithmSpecification"]["TrainingImage"] == train_image
    model_url = sm.describe_model(ModelName=res.model_name)["PrimaryContainer"]["ModelDataUrl"]
    assert model_url == job["ModelArtifacts"]["S3ModelArtifacts"] == res.s3_url


def test_huggingface_hub_model_needs_no_archive(aws):
    session, endpoint = aws
    rec = Recorder(session)
    env = {"HF_MODEL_ID": "distilbert/distilbert-base-uncased", "HF_TASK": "fill-mask"}
    res = run(session, endpoint, None, framework="huggingface", version="4.37", env=env, bucket=None)
    assert rec.ops("s3") == [] and rec.ops("sts") == [] and not res.uploaded and res.s3_url is None
    container = session.client("sagemaker", endpoint_url=endpoint).describe_model(ModelName=res.model_name)
    assert "ModelDataUrl" not in container["PrimaryContainer"]
    assert container["PrimaryContainer"]["Environment"]["HF_MODEL_ID"] == env["HF_MODEL_ID"]
    assert res.model_name.startswith("distilbert-base-uncased-")


def test_long_names_are_cut_to_sagemaker_limits(aws, tmp_path):
    session, endpoint = aws
    make_bucket(session, endpoint)
    model = m.xgboost_json(tmp_path / "booster.json")
    res = run(session, endpoint, model, framework="xgboost", version="1.7-1", name="My Model_" * 10)
    assert len(res.endpoint_name) <= 63
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*", res.endpoint_name)


def test_dry_run_with_the_shipped_catalogue(tmp_path):
    """No image_uri, no resolver: the local catalogue picks the image; nothing touches AWS."""
    model = m.tf_savedmodel(tmp_path / "tf")
    res = import_model(
        model,
        framework="keras",
        version="2",
        region="eu-west-1",
        role=ROLE,
        instance_type="ml.g4dn.xlarge",
        dry_run=True,
    )
    assert "tensorflow-inference" in res.image_uri and "gpu" in res.image_uri
    assert ".eu-west-1." in res.image_uri
    assert res.s3_url.startswith("s3://sagemaker-eu-west-1-<account-id>/")


def test_existing_archive_is_uploaded_unchanged(aws, tmp_path, pt_model):
    from smcat.importer import package_model
    from smcat.importer.package import file_digest

    session, endpoint = aws
    make_bucket(session, endpoint)
    archive = package_model(pt_model, tmp_path / "model.tar.gz", "pytorch").path
    res = run(session, endpoint, archive, mode="register", name="resnet-archive")
    assert res.sha256 == file_digest(archive)[0]
    body = session.client("s3", endpoint_url=endpoint).get_object(
        Bucket=BUCKET, Key=f"smcat/resnet-archive/{res.sha256[:12]}/model.tar.gz"
    )
    assert body["Body"].read() == archive.read_bytes()
