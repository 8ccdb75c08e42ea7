"""Secret-looking environment values never appear in printed plans or results; AWS still gets them."""

from __future__ import annotations

import json

import pytest

from smcat.importer.redact import REDACTED, is_secret, redact_params
from tests.resolver import import_models as m
from tests.resolver.test_import_aws import BUCKET, make_bucket, run

TOKEN = "hf_" + "aBcD" * 9  # shape of a Hugging Face user access token


@pytest.mark.parametrize(
    "name, value, secret",
    [
        ("HF_TOKEN", "x", True),  # the repro
        ("HUGGING_FACE_HUB_TOKEN", "x", True),
        ("HUGGINGFACEHUBTOKEN", "x", True),  # no separators
        ("OPENAI_API_KEY", "x", True),
        ("AWS_SECRET_ACCESS_KEY", "x", True),
        ("DB_PASSWORD", "x", True),
        ("db-passwd", "x", True),  # lower case, hyphen
        ("GCP_CREDENTIALS", "x", True),
        ("KEY", "x", True),
        ("BASIC_AUTH", "x", True),
        ("NOTE", TOKEN, True),  # innocent name, credential-shaped value
        ("NOTE", "AKIAABCDEFGHIJKLMNOP", True),  # AWS access key id
        ("HF_TASK", "fill-mask", False),
        ("HF_MODEL_ID", "bert-base-uncased", False),
        ("SAGEMAKER_PROGRAM", "inference.py", False),
        ("MONKEY", "x", False),  # KEY inside a word is not a key
        ("KEYBOARD_LAYOUT", "us", False),
        ("AUTHOR", "me", False),
    ],
)
def test_is_secret(name, value, secret):
    assert is_secret(name, value) is secret


def test_redact_params_only_touches_environment_values():
    params = {"ModelName": "HF_TOKEN", "PrimaryContainer": {"Environment": {"HF_TOKEN": TOKEN, "A": "b"}}}
    out = redact_params(params)
    assert out == {
        "ModelName": "HF_TOKEN",
        "PrimaryContainer": {"Environment": {"HF_TOKEN": REDACTED, "A": "b"}},
    }
    assert params["PrimaryContainer"]["Environment"]["HF_TOKEN"] == TOKEN  # the original is unchanged


def test_dry_run_plan_hides_the_token_in_every_form(tmp_path):
    model = m.hf_dir(tmp_path / "bert")
    env = {"HF_TOKEN": TOKEN, "HF_TASK": "fill-mask"}
    res = run(None, None, model, framework="huggingface", version="4.37", env=env, dry_run=True)
    text, js = res.plan.to_text(), res.plan.to_json()
    assert TOKEN not in text and TOKEN not in js and TOKEN not in json.dumps(res.to_dict(), default=str)
    assert "redacted: HF_TOKEN" in text and json.loads(js)["redacted"] == ["HF_TOKEN"]
    assert '"HF_TASK": "fill-mask"' in text  # ordinary values stay visible
    assert any("HF_TOKEN" in w and "Secrets Manager" in w for w in res.warnings)
    create = next(s for s in res.plan.steps if s.operation == "create_model")
    assert create.params["PrimaryContainer"]["Environment"]["HF_TOKEN"] == TOKEN  # the call carries it


def test_real_import_sends_the_value_but_never_prints_it(aws, tmp_path):
    session, endpoint = aws
    make_bucket(session, endpoint)
    model = m.hf_dir(tmp_path / "bert")
    res = run(
        session,
        endpoint,
        model,
        framework="huggingface",
        version="4.37",
        mode="register",
        env={"HF_TOKEN": TOKEN},
        bucket=BUCKET,
    )
    described = session.client("sagemaker", endpoint_url=endpoint).describe_model(ModelName=res.model_name)
    assert described["PrimaryContainer"]["Environment"]["HF_TOKEN"] == TOKEN
    assert TOKEN not in json.dumps(res.to_dict(), default=str)
