"""``smcat check`` / ``smcat import`` through click, the import against the moto server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import click
import pytest
from click.testing import CliRunner

from smcat.cli.import_cmds import register
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE


@pytest.fixture
def cli():
    @click.group()
    def group():
        pass

    register(group)
    return group


def test_check_ok_and_failure(cli, tmp_path):
    ok = m.tf_savedmodel(tmp_path / "ok")
    res = CliRunner().invoke(cli, ["check", str(ok), "--framework", "tensorflow"])
    assert res.exit_code == 0 and "ok:" in res.output
    bad = m.tf_savedmodel(tmp_path / "bad", version_dir=None)
    res = CliRunner().invoke(cli, ["check", str(bad), "-f", "tensorflow", "--json"])
    assert res.exit_code == 2
    report = json.loads(res.output)
    assert not report["ok"] and report["problems"][0]["fix"]


def test_import_dry_run_json(cli, tmp_path):
    model = m.tf_savedmodel(tmp_path / "tf")
    args = ["import", str(model), "-f", "tensorflow", "-v", "2.16", "-r", REGION, "--role", ROLE]
    res = CliRunner().invoke(cli, [*args, "--image-uri", IMAGE, "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.output)
    assert [s["operation"] for s in plan["steps"]] == [
        "ensure_bucket",  # no --bucket: the default bucket, created if missing
        "upload_file",
        "create_model",
        "create_endpoint_config",
        "create_endpoint",
        "wait:endpoint_in_service",
    ]
    assert (
        plan["s3_url"] == f"s3://sagemaker-{REGION}-<account-id>/smcat/tf/{plan['sha256'][:12]}/model.tar.gz"
    )


class _Resolver(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"uri": IMAGE, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_import_real_with_resolver_url(cli, tmp_path, aws, monkeypatch):
    session, endpoint = aws
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="cli-bucket")
    server = HTTPServer(("127.0.0.1", 0), _Resolver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        model = m.hf_dir(tmp_path / "bert")
        args = ["import", str(model), "-f", "huggingface", "-v", "4.37", "-r", REGION, "--role", ROLE]
        args += ["--bucket", "cli-bucket", "--endpoint-url", endpoint, "--env", "HF_TASK=fill-mask", "--json"]
        args += ["--resolver-url", f"http://127.0.0.1:{server.server_port}", "--mode", "register"]
        res = CliRunner().invoke(cli, args)
    finally:
        server.shutdown()
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["image_uri"] == IMAGE and out["uploaded"] is True
    env = session.client("sagemaker", endpoint_url=endpoint).describe_model(ModelName=out["model_name"])
    assert env["PrimaryContainer"]["Environment"]["HF_TASK"] == "fill-mask"


def test_import_error_exit_code(cli, tmp_path):
    model = m.tf_savedmodel(tmp_path / "tf")
    args = ["import", str(model), "-f", "tensorflow", "-v", "2.16", "-r", REGION, "--role", ROLE]
    res = CliRunner().invoke(cli, [*args, "--image-uri", IMAGE, "--instance-type", "big", "--dry-run"])
    assert res.exit_code == 2 and "Invalid instance type" in res.output


# One list of framework names (smcat.catalog.names): `smcat check -f xgb` and `-f tf` were refused by a
# second click.Choice list while `smcat resolve -f xgb` and find_problems(m, "tf") took them.
@pytest.mark.parametrize(
    ("alias", "make", "framework"),
    [
        ("xgb", lambda p: m.xgboost_json(p / "booster.json"), "xgboost"),
        ("tf", lambda p: m.tf_savedmodel(p / "tf"), "tensorflow"),
        ("TFS", lambda p: m.tf_savedmodel(p / "tf"), "tensorflow"),  # any case, any alias names.py has
        ("sk-learn", lambda p: m.sklearn_joblib(p / "model.joblib"), "sklearn"),
    ],
)
def test_check_takes_every_alias_names_knows(cli, tmp_path, alias, make, framework):
    res = CliRunner().invoke(cli, ["check", str(make(tmp_path)), "-f", alias, "--json"])
    assert json.loads(res.output)["framework"] == framework


def test_check_and_import_refuse_an_unsupported_framework_in_one_line(cli, tmp_path):
    model = m.tf_savedmodel(tmp_path / "tf")
    res = CliRunner().invoke(cli, ["check", str(model), "-f", "tgi"])
    assert res.exit_code == 2
    assert "Unknown framework for import: 'tgi'" in res.output and "xgboost" in res.output
    assert "Traceback" not in res.output
    args = ["import", str(model), "-f", "caffe", "-v", "1", "-r", REGION, "--role", ROLE, "--dry-run"]
    res = CliRunner().invoke(cli, [*args, "--json", "--image-uri", IMAGE])
    assert res.exit_code == 2
    err = json.loads(res.output)
    assert err["field"] == "framework" and "Unknown framework for import: 'caffe'" in err["message"]


def test_smcat_resolve_and_check_take_the_same_alias(tmp_path):
    # The two commands through the real `smcat` group, against the shipped catalogue.
    from smcat.cli import cli as smcat

    resolved = CliRunner().invoke(smcat, ["resolve", "-f", "xgb", "-v", "1.7-1", "-r", REGION])
    assert resolved.exit_code == 0 and "sagemaker-xgboost:1.7-1" in resolved.output
    model = m.xgboost_json(tmp_path / "booster.json")
    checked = CliRunner().invoke(smcat, ["check", str(model), "-f", "xgb"])
    assert checked.exit_code == 0 and "fits the xgboost container" in checked.output
