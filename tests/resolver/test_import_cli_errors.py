"""The real ``smcat`` CLI on bad input: one line (or JSON with --json), an exit code, no traceback."""

from __future__ import annotations

import gzip
import json
import re
import tarfile

import pytest
from click.testing import CliRunner

from smcat.cli import cli
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE

IMPORT = ["-f", "xgboost", "-v", "1.7-1", "-r", REGION, "--role", ROLE, "--image-uri", IMAGE, "--dry-run"]


def smcat(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def notatar(tmp_path):
    p = tmp_path / "notatar.tar.gz"
    p.write_text("hello, I am not an archive\n")
    return p


def _one_clean_line(res) -> str:
    """The one error line; everything else printed is progress ("[12:00:00] check the artifact ...")."""
    assert "Traceback" not in res.output and isinstance(res.exception, SystemExit | None)
    lines = [x for x in res.output.splitlines() if x.strip() and not re.match(r"^\[\d\d:\d\d:\d\d\] ", x)]
    assert len(lines) == 1 and lines[0].startswith(("error: ", "smcat: error: ")), res.output
    return lines[0]


def test_check_not_a_tarball(notatar):
    res = smcat("check", str(notatar), "-f", "xgboost")
    assert res.exit_code == 2
    line = _one_clean_line(res)
    assert "notatar.tar.gz" in line and "not a readable gzip-compressed tar" in line and "tar czf" in line


def test_import_not_a_tarball(notatar):
    res = smcat("import", str(notatar), *IMPORT)
    assert res.exit_code == 2
    assert "not a readable gzip-compressed tar" in _one_clean_line(res)


@pytest.mark.parametrize("command", ["check", "import"])
def test_not_a_tarball_json(notatar, command):
    args = ["-f", "xgboost"] if command == "check" else IMPORT
    res = CliRunner().invoke(cli, [command, str(notatar), *args, "--json"])
    assert res.exit_code == 2
    err = json.loads(res.stdout)
    assert err["error"] == "archive_refused" and err["exit_code"] == 2  # the HTTP API's fields
    assert "not a readable" in err["message"] and err["problems"][0]["fix"]


def test_member_cap_from_the_command_line(tmp_path):
    bomb = tmp_path / "bomb.tar.gz"
    with gzip.open(bomb, "wb") as gz, tarfile.open(fileobj=gz, mode="w|") as tf:
        for i in range(50):
            tf.addfile(tarfile.TarInfo(f"f{i}"))
    res = smcat("check", str(bomb), "-f", "xgboost", "--max-members", "10")
    assert res.exit_code == 2 and "more than 10 members" in _one_clean_line(res)
    res = smcat("import", str(bomb), *IMPORT, "--max-size", "lots")
    assert res.exit_code == 2 and "Invalid size for --max-size" in _one_clean_line(res)


def test_bad_role_names_the_flag_in_json(tmp_path):
    model = m.xgboost_json(tmp_path / "booster.json")
    args = ["import", str(model), *IMPORT, "--json"]
    args[args.index(ROLE)] = "notanarn"
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2
    err = json.loads(res.stdout)
    assert err["error"] == "invalid_import_request" and err["field"] == "role" and "--role" in err["message"]


def test_serverless_gpu_refused_with_the_alternative(tmp_path):
    model = m.xgboost_json(tmp_path / "booster.json")
    res = smcat("import", str(model), *IMPORT, "--mode", "serverless", "--instance-type", "ml.g4dn.xlarge")
    assert res.exit_code == 2
    line = _one_clean_line(res)
    assert "serverless has no GPU" in line and "--mode endpoint --instance-type ml.g4dn.xlarge" in line


def test_dry_run_prints_no_secret(tmp_path):
    model = m.hf_dir(tmp_path / "bert")
    token = "hf_" + "Zz9" * 12
    args = ["import", str(model), "-f", "huggingface", "-v", "4.37", "-r", REGION, "--role", ROLE]
    args += ["--image-uri", IMAGE, "--dry-run", "--env", f"HF_TOKEN={token}", "--env", "HF_TASK=fill-mask"]
    for extra in ([], ["--json"]):
        res = CliRunner().invoke(cli, [*args, *extra])
        assert res.exit_code == 0, res.output
        assert token not in res.output and "<redacted>" in res.output and "HF_TOKEN" in res.output


def test_fixed_key_flag(tmp_path):
    model = m.xgboost_json(tmp_path / "booster.json")
    res = CliRunner().invoke(cli, ["import", str(model), *IMPORT, "--bucket", "b-1", "--fixed-key", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["s3_url"] == "s3://b-1/smcat/booster/model.tar.gz"
