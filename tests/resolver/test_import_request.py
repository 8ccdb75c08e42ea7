"""``build_request()``: import_model()'s arguments checked and grouped, before any file or AWS call.

The messages below are the ones import_model() gave before the request had its own module
(captured from that code): one bad field, the same error class, text and ``field``.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from smcat.catalog.errors import InvalidQuery
from smcat.importer import ArchiveLimits, InvalidImportRequest, import_model
from smcat.importer.request import ImportRequest, build_request
from tests.resolver.conftest import IMAGE, REGION, ROLE

MISSING = Path("/nonexistent/smcat-test/model")  # never read: the arguments are refused first
BATCH = {"mode": "batch", "batch_input": "s3://in-bucket/in/", "batch_output": "s3://out-bucket/out/"}
NO_GPU = (
    "--mode serverless has no GPU: ml.g4dn.xlarge cannot be used. For a GPU use --mode endpoint "
    "--instance-type ml.g4dn.xlarge; for serverless drop --instance-type (serverless runs on CPU, "
    "sized by --serverless-memory)."
)
BAD_TYPE = (
    "--instance-type: Invalid instance type: {!r}. Expected 'ml.<family>.<size>', e.g. ml.m5.xlarge, "
    "ml.c7g.large, ml.g5.2xlarge, ml.p3.2xlarge, ml.inf2.xlarge, local."
)


def _kwargs(**over: object) -> dict[str, object]:
    kw: dict[str, object] = {
        "framework": "pytorch",
        "version": "2.1",
        "region": REGION,
        "role": ROLE,
        "image_uri": IMAGE,
        "bucket": "models-bucket",
    }
    kw.update(over)
    return kw


CASES = [
    # (the one bad field, error class, message, error.field)
    (
        {"framework": "caffe"},
        InvalidQuery,
        "Unknown framework for import: 'caffe'. Supported: huggingface, mxnet, pytorch, sklearn, "
        "tensorflow, xgboost (or an alias such as 'tf', 'torch', 'xgb', 'hf')",
        "framework",
    ),
    (
        {"mode": "realtime"},
        InvalidImportRequest,
        "Unknown --mode 'realtime': use one of endpoint, serverless, batch, register",
        "mode",
    ),
    (
        {"packaging": "zip"},
        InvalidImportRequest,
        "Unknown --packaging 'zip': use archive, training-job",
        "packaging",
    ),
    (
        {"region": "mars-1"},
        InvalidImportRequest,
        "--region: Unknown region: 'mars-1'. Expected an AWS region code such as 'us-east-1'. "
        "Regions are botocore's; upgrade botocore if the region is new.",
        "region",
    ),
    (
        {"role": "notanarn"},
        InvalidImportRequest,
        "Invalid --role 'notanarn': expected an IAM role ARN such as "
        "arn:aws:iam::123456789012:role/SageMakerExecutionRole (the SageMaker execution role; "
        "see `aws iam list-roles`).",
        "role",
    ),
    (  # the role's partition must be the region's
        {"region": "cn-north-1"},
        InvalidImportRequest,
        f"--role {ROLE!r} is in partition 'aws', but region 'cn-north-1' is in 'aws-cn': use a role "
        "ARN starting with arn:aws-cn:iam::",
        "role",
    ),
    (
        {"bucket": "My_Bucket"},
        InvalidImportRequest,
        "Invalid bucket name 'My_Bucket' for --bucket: 3-63 lowercase letters, digits, dots or hyphens, "
        "starting and ending with a letter or digit.",
        "bucket",
    ),
    (
        {"instance_count": 0},
        InvalidImportRequest,
        "--instance-count must be a whole number >= 1, got 0",
        "instance_count",
    ),
    (  # a bool is not a count
        {"instance_count": True},
        InvalidImportRequest,
        "--instance-count must be a whole number >= 1, got True",
        "instance_count",
    ),
    ({"instance_type": "m5.large"}, InvalidImportRequest, BAD_TYPE.format("m5.large"), "instance_type"),
    (  # the copy job of the training-job route runs on the instance type too
        {"packaging": "training-job", "instance_type": "big"},
        InvalidImportRequest,
        BAD_TYPE.format("big"),
        "instance_type",
    ),
    (
        {"mode": "serverless", "instance_type": "ml.g4dn.xlarge"},
        InvalidImportRequest,
        NO_GPU,
        "instance_type",
    ),
    (
        {"mode": "serverless", "serverless_memory_mb": 1000},
        InvalidImportRequest,
        "Invalid --serverless-memory 1000: use one of 1024, 2048, 3072, 4096, 5120, 6144 (MB)",
        "serverless_memory_mb",
    ),
    (
        {"mode": "serverless", "serverless_max_concurrency": 201},
        InvalidImportRequest,
        "Invalid --serverless-concurrency 201: use 1 to 200",
        "serverless_max_concurrency",
    ),
    (
        {"mode": "batch"},
        InvalidImportRequest,
        "--mode batch needs --batch-input s3://bucket/prefix/",
        "batch_input",
    ),
    (
        {**BATCH, "batch_output": "/tmp/out"},
        InvalidImportRequest,
        "--batch-output must be an s3://bucket/prefix URI, got '/tmp/out'",
        "batch_output",
    ),
    (
        {**BATCH, "batch_input": "s3://Bad_Bucket/in"},
        InvalidImportRequest,
        "Invalid bucket 'Bad_Bucket' in --batch-input 's3://Bad_Bucket/in'",
        "batch_input",
    ),
    (
        {"split_type": "Line"},
        InvalidImportRequest,
        "--split-type only apply to --mode batch (this is --mode endpoint): drop them or use --mode batch",
        "split_type",
    ),
]


@pytest.mark.parametrize(("over", "cls", "message", "field"), CASES, ids=[str(c[0]) for c in CASES])
def test_one_bad_field_is_the_error_import_model_gives(over, cls, message, field):
    with pytest.raises(cls) as built:
        build_request(MISSING, **_kwargs(**over))
    assert type(built.value) is cls and str(built.value) == message and built.value.field == field
    with pytest.raises(cls) as imported:  # import_model refuses it the same way, before the model
        import_model(MISSING, **_kwargs(**over))
    assert type(imported.value) is cls and str(imported.value) == message
    assert imported.value.field == field


def test_training_job_packaging_of_a_hub_model_is_refused():
    kw = _kwargs(
        framework="huggingface", version="4.37", env={"HF_MODEL_ID": "org/m"}, packaging="training-job"
    )
    with pytest.raises(InvalidImportRequest) as exc:
        build_request(None, **kw)
    assert str(exc.value) == "packaging='training-job' needs a local model" and exc.value.field == "packaging"
    assert build_request(None, **{**kw, "packaging": "archive"}).model.hub_only


def test_limits_from_the_environment_are_checked(monkeypatch):
    monkeypatch.setenv("SMCAT_IMPORT_MAX_SIZE", "lots")
    with pytest.raises(InvalidImportRequest) as exc:
        build_request(MISSING, **_kwargs())
    assert str(exc.value) == (
        "Invalid size for SMCAT_IMPORT_MAX_SIZE: 'lots'. Use bytes or a number with K, M, G or T (e.g. 100G)."
    )
    given = ArchiveLimits(10, 1 << 20)  # limits passed in win over the environment
    assert build_request(MISSING, **_kwargs(limits=given)).model.limits == given


def test_a_valid_request_is_grouped_settled_and_frozen():
    env, tags = {"HF_TASK": "fill-mask"}, {"team": "ml"}
    req = build_request(
        "model-dir",
        **_kwargs(framework="torch", mode="serverless", instance_type="ml.m5.large", env=env, tags=tags),
    )
    assert isinstance(req, ImportRequest)
    assert req.model.framework == "pytorch"  # the alias resolved
    assert req.instances.instance_type is None  # serverless takes none...
    assert req.warnings == (
        "--instance-type ml.m5.large is ignored by --mode serverless (it is sized by --serverless-memory)",
    )
    assert (req.serverless.memory_mb, req.serverless.max_concurrency) == (2048, 5)
    assert build_request("m", **_kwargs()).instances.instance_type == "ml.m5.large"  # the endpoint default
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.mode = "endpoint"  # type: ignore[misc]
    env["HF_TASK"], tags["team"] = "changed", "changed"  # the caller's dicts were copied
    assert req.model.env == {"HF_TASK": "fill-mask"} and req.tags == {"team": "ml"}
    with pytest.raises(TypeError):
        req.model.env["X"] = "1"  # type: ignore[index]


def test_build_request_takes_exactly_import_models_keywords():
    """Both signatures spell the defaults; they must not drift apart."""
    ours = inspect.signature(build_request).parameters
    theirs = inspect.signature(import_model).parameters
    assert list(ours) == list(theirs)
    for name, p in theirs.items():
        q = ours[name]
        assert (q.kind, q.default, q.annotation) == (p.kind, p.default, p.annotation), name
