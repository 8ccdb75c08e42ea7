"""The scheduled refresh in deploy/: the CronJob, the EventBridge schedule and the crontab line
each run the same ``smcat refresh`` command, and the README shows the crontab line.

(``test_deploy_files.py`` validates the same files against their systems' schemas.)
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT

REFRESH = ["smcat", "refresh", "--catalog", "s3://BUCKET/smcat", "--json"]


def test_cronjob_manifest():
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load((ROOT / "deploy" / "cronjob.yaml").read_text())
    assert doc["kind"] == "CronJob" and doc["apiVersion"] == "batch/v1"
    spec = doc["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["schedule"].split()[1] == "*/6"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] >= 1
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    (c,) = pod["containers"]
    assert c["command"] == REFRESH
    assert {"requests", "limits"} <= c["resources"].keys()
    assert {e["name"] for e in c["env"]} >= {"AWS_REGION"}
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert all(e["value"].startswith(tuple(mounts)) for e in c["env"] if e["name"].startswith("SMCAT_"))


def test_eventbridge_schedule_runs_the_refresh():
    doc = json.loads((ROOT / "deploy" / "eventbridge-schedule.json").read_text())
    assert doc["ScheduleExpression"] == "rate(6 hours)"
    assert doc["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:ecs:runTask"
    run_task = json.loads(doc["Target"]["Input"])
    assert run_task["Overrides"]["ContainerOverrides"][0]["Command"] == REFRESH


def test_crontab_line():
    lines = [
        line
        for line in (ROOT / "deploy" / "crontab").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    (line,) = lines
    fields = line.split()
    assert fields[:5] == ["17", "*/6", "*", "*", "*"] and fields[6] == "flock"
    assert " ".join(REFRESH[1:]) in line and ">> /var/log/smcat/refresh.log 2>&1" in line
    assert line in (ROOT / "README.md").read_text()  # the README shows the same line
