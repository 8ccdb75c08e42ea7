"""``plan()``: pure (no AWS client, no credentials, no moto server needed) and the dry run itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from smcat.importer import import_model
from smcat.importer.core import prepare
from smcat.importer.plan import ACCOUNT_PLACEHOLDER, name_stamp, plan
from smcat.importer.request import build_request
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE

ACCOUNT = "123456789012"
ROOT = Path(__file__).resolve().parents[2]
TRAIN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
HUB_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
    "huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04"
)


@pytest.fixture
def no_aws(monkeypatch, tmp_path):
    """No credentials anywhere and no endpoint: any AWS call would fail."""
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def _training_resolver(framework, version, region, scope, instance_type, py_version):
    return TRAIN_IMAGE if scope == "training" else IMAGE


def _requests(tmp_path: Path) -> dict[str, tuple[Path | None, dict]]:
    torch = tmp_path / "resnet"
    m.torchscript(torch / "model.pth")
    m.script(torch / "code" / "inference.py")
    sk = m.sklearn_joblib(tmp_path / "sk" / "model.joblib").parent
    script = m.script(tmp_path / "inference.py")
    batch = {"mode": "batch", "batch_input": "s3://in-b/in/", "batch_output": "s3://out-b/out/"}
    return {  # label: (model, keywords beyond framework/version/region/role)
        "endpoint, default bucket": (torch, {"image_uri": IMAGE}),
        "endpoint, tags and a secret env": (
            torch,
            {"image_uri": IMAGE, "bucket": "b-ucket", "tags": {"team": "ml"}, "env": {"HF_TOKEN": "hf_x"}},
        ),
        "serverless": (torch, {"image_uri": IMAGE, "mode": "serverless", "serverless_memory_mb": 3072}),
        "batch, fixed key": (
            torch,
            {
                "image_uri": IMAGE,
                "bucket": "b-ucket",
                "content_addressed": False,
                "split_type": "Line",
                **batch,
            },
        ),
        "register, no wait": (torch, {"image_uri": IMAGE, "mode": "register", "wait": False}),
        "training-job route": (
            sk,
            {
                "framework": "sklearn",
                "version": "1.2-1",
                "entry_point": script,
                "resolver": _training_resolver,
                "packaging": "training-job",
            },
        ),
        "hub model": (
            None,
            {
                "framework": "hf",
                "version": "4.37",
                "env": {"HF_MODEL_ID": "org/bert"},
                "image_uri": HUB_IMAGE,
            },
        ),
    }


def _kw(extra: dict) -> dict:
    return {"framework": "pytorch", "version": "2.1", "region": REGION, "role": ROLE, **extra}


def _stamp(name: str) -> str:
    return "-".join(name.split("-")[-3:])  # <base>-<sha8>-YYYYmmdd-HHMMSS-mmm


def test_dry_run_returns_exactly_what_plan_gives(no_aws, tmp_path):
    for label, (model, extra) in _requests(tmp_path).items():
        dry = import_model(model, **_kw(extra), dry_run=True)
        request = build_request(model, **_kw(extra), dry_run=True)
        work = tmp_path / "work" / label.replace(" ", "_").replace(",", "")
        work.mkdir(parents=True)
        planned = plan(request, prepare(request, work), stamp=_stamp(dry.plan.names["model"]))
        assert planned == dry.plan, label
        assert planned.to_text() == dry.plan.to_text() and planned.to_json() == dry.plan.to_json(), label
        assert dry.warnings == planned.warnings and dry.s3_url == planned.s3_url, label


def test_plan_is_pure_and_repeatable(no_aws, tmp_path):
    model, extra = _requests(tmp_path)["endpoint, default bucket"]
    request = build_request(model, **_kw(extra))  # not a dry run: plan() still calls nothing
    artifact = prepare(request, tmp_path)
    first = plan(request, artifact, stamp="20260130-141503-042")
    assert first == plan(request, artifact, stamp="20260130-141503-042")
    assert first.names["model"] == f"resnet-{artifact.package.sha256[:8]}-20260130-141503-042"
    assert first.steps[0].operation == "ensure_bucket"
    assert first.steps[0].params["ExpectedBucketOwner"] == ACCOUNT_PLACEHOLDER
    assert first.s3_url.startswith(f"s3://sagemaker-{REGION}-{ACCOUNT_PLACEHOLDER}/smcat/resnet/")
    assert first.archive == artifact.package.path and first.archive.is_file()

    real = plan(request, artifact, stamp="20260130-141503-042", account=ACCOUNT)
    assert real.steps[0].params["ExpectedBucketOwner"] == ACCOUNT
    assert real.s3_url == first.s3_url.replace(ACCOUNT_PLACEHOLDER, ACCOUNT)
    assert [s.operation for s in real.steps] == [s.operation for s in first.steps]

    named = build_request(model, **_kw({**extra, "bucket": "b-ucket"}))
    steps = plan(named, artifact, stamp=name_stamp(), account=ACCOUNT).steps
    assert [s.operation for s in steps][:2] == ["upload_file", "create_model"]  # a named bucket: no STS


def test_plan_loads_no_aws_library(tmp_path):
    """In a fresh interpreter, with no credentials: request, prepare and plan never import boto3
    (so no client can exist) and still give the whole plan."""
    model, extra = _requests(tmp_path)["endpoint, default bucket"]
    code = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from smcat.importer.core import prepare
        from smcat.importer.plan import name_stamp, plan
        from smcat.importer.request import build_request

        request = build_request(Path({str(model)!r}), **{_kw(extra)!r})
        p = plan(request, prepare(request, Path({str(tmp_path)!r})), stamp=name_stamp())
        print(json.dumps({{"steps": [s.operation for s in p.steps],
                          "loaded": sorted(m for m in ("boto3", "botocore.client") if m in sys.modules)}}))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    seen = json.loads(out.stdout)
    assert seen["loaded"] == []
    assert seen["steps"] == [
        "ensure_bucket",
        "upload_file",
        "create_model",
        "create_endpoint_config",
        "create_endpoint",
        "wait:endpoint_in_service",
    ]
