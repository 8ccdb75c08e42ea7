"""Import arguments refused before any AWS call (moto accepts anything), and the default bucket."""

from __future__ import annotations

import pytest

from smcat.importer import BucketMissing, InvalidImportRequest, import_model
from smcat.importer.validate import validate_role_arn, validate_s3_uri
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE
from tests.resolver.test_import_aws import Recorder, leftovers, run

ACCOUNT = "123456789012"  # moto's account
DEFAULT_BUCKET = f"sagemaker-{REGION}-{ACCOUNT}"


@pytest.fixture
def pt_model(tmp_path):
    root = tmp_path / "resnet"
    m.torchscript(root / "model.pth")
    m.script(root / "code" / "inference.py")
    return root


BATCH = {"mode": "batch", "batch_input": "s3://in-bucket/in/", "batch_output": "s3://out-bucket/out/"}


@pytest.mark.parametrize(
    "kwargs, flag, words",
    [
        ({"role": "notanarn"}, "--role", "IAM role ARN"),  # the repro
        ({"role": "arn:aws:iam::123:role/R"}, "--role", "IAM role ARN"),  # account is 12 digits
        ({"role": "arn:aws:iam::123456789012:user/bob"}, "--role", "IAM role ARN"),  # a user, not a role
        ({"mode": "batch"}, "--batch-input", "needs"),  # batch without input
        ({**BATCH, "batch_input": "s3://Bad_Bucket/in"}, "--batch-input", "Invalid bucket"),
        ({**BATCH, "batch_output": "/tmp/out"}, "--batch-output", "s3://"),
        ({"batch_input": "s3://b-in/x"}, "--batch-input", "only apply to --mode batch"),
        ({"split_type": "Line"}, "--split-type", "only apply to --mode batch"),
        ({"mode": "serverless", "instance_type": "ml.g4dn.xlarge"}, "--mode endpoint", "no GPU"),
        ({"mode": "serverless", "instance_type": "ml.inf2.xlarge"}, "--mode endpoint", "serverless has no"),
        ({"mode": "serverless", "serverless_memory_mb": 1000}, "--serverless-memory", "6144"),
        ({"mode": "serverless", "serverless_max_concurrency": 0}, "--serverless-concurrency", "1 to 200"),
        ({"mode": "serverless", "serverless_max_concurrency": 201}, "--serverless-concurrency", "1 to 200"),
        ({"instance_count": 0}, "--instance-count", ">= 1"),
        ({"instance_type": "m5.large"}, "--instance-type", "Invalid instance type"),
        ({"mode": "register", "instance_type": "big"}, "--instance-type", "Invalid instance type"),
        ({"bucket": "My_Bucket"}, "--bucket", "lowercase"),
        ({"bucket": "192.168.0.1"}, "--bucket", "lowercase"),
        ({"mode": "realtime"}, "--mode", "endpoint, serverless, batch, register"),
    ],
)
def test_refused_before_any_aws_call(aws, pt_model, kwargs, flag, words):
    session, endpoint = aws
    rec = Recorder(session)
    kwargs.setdefault("bucket", None)  # a default bucket would need STS: it must not be reached
    with pytest.raises(InvalidImportRequest) as exc:
        run(session, endpoint, pt_model, **kwargs)
    assert flag in str(exc.value) and words in str(exc.value)
    assert "batch_input" not in str(exc.value)  # flags, not keyword names
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    assert rec.calls == []


def test_role_in_another_partition_refused():
    with pytest.raises(InvalidImportRequest, match="arn:aws-cn:iam::"):
        validate_role_arn(ROLE, "cn-north-1")
    assert validate_role_arn("arn:aws-cn:iam::123456789012:role/SM", "cn-north-1")
    assert validate_role_arn("arn:aws-us-gov:iam::123456789012:role/team/SM", "us-gov-west-1")


@pytest.mark.parametrize("uri", ["s3://bucket/in/", "s3://my.bucket-1/a/b.csv", "s3://abc"])
def test_s3_uris_accepted(uri):
    assert validate_s3_uri(uri, "batch_input") == uri


def test_serverless_with_cpu_instance_type_warns_and_runs(aws, pt_model):
    session, endpoint = aws
    res = run(session, endpoint, pt_model, mode="serverless", instance_type="ml.m5.large", dry_run=True)
    assert any("--instance-type ml.m5.large is ignored" in w for w in res.warnings)
    variant = next(s for s in res.plan.steps if s.operation == "create_endpoint_config").params
    assert "InstanceType" not in variant["ProductionVariants"][0]


def test_endpoint_defaults_to_ml_m5_large(aws, pt_model):
    session, endpoint = aws
    res = run(session, endpoint, pt_model, dry_run=True)
    config = next(s for s in res.plan.steps if s.operation == "create_endpoint_config").params
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"


# --- the default bucket --------------------------------------------------------------------------


def test_default_bucket_created_with_sdk_settings(aws, pt_model):
    session, endpoint = aws
    rec = Recorder(session)
    first = run(session, endpoint, pt_model, bucket=None, mode="register")
    assert first.bucket_created and first.s3_url.startswith(f"s3://{DEFAULT_BUCKET}/smcat/resnet/")
    s3 = session.client("s3", endpoint_url=endpoint)
    pab = s3.get_public_access_block(Bucket=DEFAULT_BUCKET)["PublicAccessBlockConfiguration"]
    assert pab == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    rule = s3.get_bucket_encryption(Bucket=DEFAULT_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    heads = [p for svc, op, p in rec.calls if op == "HeadBucket"]
    assert heads[0] == {"Bucket": DEFAULT_BUCKET, "ExpectedBucketOwner": ACCOUNT}
    assert first.created == [f"s3-object:{first.s3_url}", f"model:{first.model_name}"]  # never rolled back

    rec.calls.clear()
    second = run(session, endpoint, pt_model, bucket=None, mode="register")
    assert not second.bucket_created and "CreateBucket" not in rec.ops()


def test_default_bucket_outside_us_east_1_gets_its_location(aws, pt_model):
    session, endpoint = aws
    image = IMAGE.replace("us-east-1", "eu-west-1")
    res = import_model(
        pt_model,
        framework="pytorch",
        version="2.1",
        region="eu-west-1",
        role=ROLE,
        image_uri=image,
        mode="register",
        boto3_session=session,
        endpoint_url=endpoint,
    )
    bucket = f"sagemaker-eu-west-1-{ACCOUNT}"
    assert res.bucket_created
    location = session.client("s3", endpoint_url=endpoint).get_bucket_location(Bucket=bucket)
    assert location["LocationConstraint"] == "eu-west-1"


def test_default_bucket_of_another_account_refused(aws, pt_model):
    session, endpoint = aws

    def forbidden(**kwargs):  # what S3 answers when ExpectedBucketOwner does not match
        return (type("R", (), {"status_code": 403, "headers": {}})(), {"Error": {"Code": "403"}})

    session.events.register("before-call.s3.HeadBucket", forbidden)
    rec = Recorder(session)
    with pytest.raises(BucketMissing, match="not owned by account 123456789012"):
        run(session, endpoint, pt_model, bucket=None)
    assert "CreateBucket" not in rec.ops() and "PutObject" not in rec.ops()
    assert leftovers(session, endpoint)["models"] == []


def test_dry_run_plans_the_default_bucket_step(pt_model):
    res = import_model(
        pt_model, framework="pytorch", version="2.1", region=REGION, role=ROLE, image_uri=IMAGE, dry_run=True
    )
    first = res.plan.steps[0]
    assert first.operation == "ensure_bucket" and first.params["Bucket"] == f"sagemaker-{REGION}-<account-id>"
    assert "public access blocked" in first.title
    named = import_model(
        pt_model,
        framework="pytorch",
        version="2.1",
        region=REGION,
        role=ROLE,
        image_uri=IMAGE,
        dry_run=True,
        bucket="my-models",
    )
    assert named.plan.steps[0].operation == "upload_file"  # a named bucket: never created
