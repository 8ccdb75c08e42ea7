"""``smcat refresh --every``, ``smcat catalog diff`` / ``notes`` and ``GET /catalog/diff`` summaries.

The refresh itself is replaced by a fake (the real pipeline is tested in tests/scrapers); the
store is a real directory of hand-made snapshots.
"""

from __future__ import annotations

import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from smcat.app import create_app
from smcat.catalog.store import Store, diff_snapshots, make_snapshot
from smcat.catalog_holder import CatalogHolder
from smcat.cli import cli
from smcat.scrapers import refresh as scrapers_refresh
from smcat.scrapers.refresh import RefreshReport
from smcat.settings import Settings
from tests.records import rec


def snap(images, day: int):
    return make_snapshot(images, now=datetime(2030, 1, day, tzinfo=UTC))


BASE = [rec(processor="cpu"), rec(), rec("pytorch", "2.1.0")]
V1 = snap(BASE, 1)
NEW_TF = [
    rec(version="2.20.0", scope=s, processor=p) for s in ("training", "inference") for p in ("cpu", "gpu")
]
XGB = rec("xgboost", "1.7-1", processor="cpu", accounts={"eu-west-3": "683313688378"})
V2 = snap([*BASE[1:], *NEW_TF, XGB], 2)


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "catalog"
    st = Store(root)
    st.publish(V1)
    st.publish(V2)
    return root


def smcat(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# ---- catalog diff / notes ----------------------------------------------------------------------


def test_diff_prints_the_summary_first(store):
    r = smcat("catalog", "diff", V1.id, "--catalog", store)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{V2.id} (since {V1.id}): 1 new framework, 2 new versions, 1 new region")
    assert "  tensorflow 2.20.0 (inference, training; cpu, gpu)" in lines
    assert "  xgboost 1.7-1 (inference; cpu)" in lines
    assert "  tensorflow 2.19.0 (inference; cpu)" in lines  # under "Retired images of remaining versions"
    assert r.output.index("New versions:") < r.output.index(f"diff {V1.id} -> {V2.id}")


def test_diff_json_carries_the_summary(store):
    r = smcat("catalog", "diff", V1.id, V2.id, "--catalog", store, "--json")
    data = json.loads(r.output)
    assert data["added"] == list(diff_snapshots(V1, V2).added)  # the diff is as it was
    assert data["summary"]["new_frameworks"] == ["xgboost"]
    assert data["summary"]["new_regions"] == ["eu-west-3"]
    assert [g["version"] for g in data["summary"]["new_versions"]] == ["2.20.0", "1.7-1"]


def test_diff_markdown(store):
    r = smcat("catalog", "diff", V1.id, "--catalog", store, "--markdown")
    assert r.output.startswith(f"# smcat catalogue {V2.id}\n")
    assert "## New versions\n\n- tensorflow 2.20.0 (inference, training; cpu, gpu)\n" in r.output


def test_notes_of_a_version_against_its_predecessor(store):
    r = smcat("catalog", "notes", "--catalog", store)  # current = V2, predecessor V1
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"{V2.id} (since {V1.id})")
    md = smcat("catalog", "notes", V2.id[:12], "--catalog", store, "--markdown").output
    assert md.startswith(f"# smcat catalogue {V2.id}") and "## New frameworks\n\n- xgboost" in md
    data = json.loads(smcat("catalog", "notes", V1.id, "--catalog", store, "--json").output)
    assert data["to"] == V1.id and data["from"] < V1.id  # V1's predecessor: the shipped version, if older
    assert smcat("catalog", "notes", "nope", "--catalog", store).exit_code == 2


# ---- refresh, once and --every ------------------------------------------------------------------


class FakeRefresh:
    """Stands in for ``run_refresh``: plays outcomes in turn ('publish' V2, 'same', 'refuse', or raises)."""

    def __init__(self, *outcomes, on_call=None) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.on_call = on_call

    def __call__(self, store, fetcher, **kw) -> RefreshReport:
        self.calls += 1
        if self.on_call:
            self.on_call(self.calls)
        o = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        prev = store.current_id()
        if isinstance(o, Exception):
            raise o
        if o == "publish":
            d = store.check_gates(V2, max_loss=1.0)
            store.publish(V2)
            return RefreshReport("published", [], snapshot_id=V2.id, previous_id=prev, diff=d)
        if o == "same":
            return RefreshReport("unchanged", [], snapshot_id=prev, previous_id=prev)
        return RefreshReport("refused", [], previous_id=prev, reason="dlc-image-data: parsed to nothing")


@pytest.fixture
def v1_store(tmp_path):
    root = tmp_path / "catalog"
    Store(root).publish(V1)
    (tmp_path / "mirror").mkdir()
    return root, tmp_path / "mirror"


def test_refresh_that_publishes_prints_the_summary(v1_store, monkeypatch):
    root, mirror = v1_store
    monkeypatch.setattr(scrapers_refresh, "run_refresh", FakeRefresh("publish"))
    r = smcat("refresh", "--catalog", root, "--mirror", mirror)
    assert r.exit_code == 0, r.output
    assert f"published {V2.id}" in r.output
    assert "  tensorflow 2.20.0 (inference, training; cpu, gpu)" in r.output
    assert f"diff {V1.id} -> {V2.id}" in r.output  # the raw diff stays


def test_refresh_json_keeps_the_report_and_adds_the_summary(v1_store, monkeypatch):
    root, mirror = v1_store
    monkeypatch.setattr(scrapers_refresh, "run_refresh", FakeRefresh("publish"))
    data = json.loads(smcat("refresh", "--catalog", root, "--mirror", mirror, "--json").output)
    assert data["outcome"] == "published" and data["diff"]["to"] == V2.id
    assert data["summary"]["new_frameworks"] == ["xgboost"]


def test_refresh_refused_exits_4(v1_store, monkeypatch):
    root, mirror = v1_store
    monkeypatch.setattr(scrapers_refresh, "run_refresh", FakeRefresh("refuse"))
    r = smcat("refresh", "--catalog", root, "--mirror", mirror, "--json")
    assert r.exit_code == 4 and json.loads(r.output)["summary"] is None


def test_every_prints_a_line_per_run(v1_store, monkeypatch):
    root, mirror = v1_store
    fake = FakeRefresh("publish", "same", "refuse", "same")
    monkeypatch.setattr(scrapers_refresh, "run_refresh", fake)
    r = smcat("refresh", "--catalog", root, "--mirror", mirror, "--every", "0.01s", "--max-runs", "4")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 4 and fake.calls == 4
    assert f"run 1: published {V2.id} ({V2.id} (since {V1.id}): 1 new framework," in lines[0]
    assert f"run 2: unchanged {V2.id}; next in 0s" in lines[1]
    assert "run 3: refused: dlc-image-data: parsed to nothing; next in" in lines[2]
    assert lines[3].endswith("run 4: unchanged " + V2.id + "; stopping")


def test_every_json_lines_and_an_exception_does_not_stop_the_loop(v1_store, monkeypatch):
    root, mirror = v1_store
    monkeypatch.setattr(scrapers_refresh, "run_refresh", FakeRefresh(OSError("S3 unreachable"), "publish"))
    r = smcat("refresh", "--catalog", root, "--mirror", mirror, "--every", "0.01s", "--max-runs", 2, "--json")
    assert r.exit_code == 0, r.output
    first, second = (json.loads(line) for line in r.output.splitlines())
    assert first["run"] == 1 and first["outcome"] == "error" and "S3 unreachable" in first["reason"]
    assert first["next_in_seconds"] is not None
    assert second["outcome"] == "published" and second["summary"]["to"] == V2.id
    assert second["next_in_seconds"] is None


def test_every_exit_code_is_the_last_runs_when_max_runs_ends_it(v1_store, monkeypatch):
    root, mirror = v1_store
    monkeypatch.setattr(scrapers_refresh, "run_refresh", FakeRefresh("refuse"))
    r = smcat("refresh", "--catalog", root, "--mirror", mirror, "--every", "0.01s", "--max-runs", "1")
    assert r.exit_code == 4


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_every_stops_cleanly_on_a_signal(v1_store, monkeypatch, sig):
    """The signal arrives during run 2: that run finishes, no run 3 starts, exit 0, handlers restored."""
    root, mirror = v1_store
    before = signal.getsignal(sig)

    def kill_on_second(n):
        if n == 2:
            os.kill(os.getpid(), sig)

    fake = FakeRefresh("refuse", on_call=kill_on_second)
    monkeypatch.setattr(scrapers_refresh, "run_refresh", fake)
    r = smcat("refresh", "--catalog", root, "--mirror", mirror, "--every", "0.01s", "--max-runs", "10")
    assert r.exit_code == 0, r.output
    assert fake.calls == 2
    assert r.stdout.splitlines()[-1].endswith("run 2: refused: dlc-image-data: parsed to nothing; stopping")
    assert signal.getsignal(sig) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--every", "6x"], "Invalid interval: '6x'"),
        (["--every", "0s"], "longer than zero"),
        (["--every", "1h", "--jitter", "1"], "--jitter"),
    ],
)
def test_every_bad_values(v1_store, args, message):
    root, mirror = v1_store
    r = CliRunner().invoke(cli, ["refresh", "--catalog", str(root), "--mirror", str(mirror), *args])
    assert r.exit_code == 2 and message in r.output


# ---- GET /catalog/diff -------------------------------------------------------------------------


@pytest.fixture
def client(store):
    holder = CatalogHolder(Store(store), reload_seconds=5, clock=lambda: 0.0)
    with TestClient(create_app(Settings(reload_seconds=5), holder=holder)) as c:
        yield c


def test_route_diff_includes_the_summary(client):
    body = client.get(f"/catalog/diff?from={V1.id}&to={V2.id}").json()
    assert body["added"] == list(diff_snapshots(V1, V2).added)
    assert body["summary"]["new_frameworks"] == ["xgboost"]
    assert body["summary"]["new_versions"][0]["version"] == "2.20.0"


def test_route_diff_as_markdown(client):
    r = client.get(f"/catalog/diff?from={V1.id}&format=markdown")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/markdown")
    assert r.text.startswith(f"# smcat catalogue {V2.id}\n")
    assert client.get(f"/catalog/diff?from={V1.id}&format=html").status_code == 422
    assert client.get("/catalog/diff?from=nope&format=markdown").status_code == 404


# ---- deployment files and the README -----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
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


def _commands(group: click.Group, prefix: str = "smcat") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(f"{prefix} {name}")
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix} {name}")
    return out


def test_readme_mentions_every_command():
    """Fails when a command (or a ``catalog`` subcommand) is added without a word in the README."""
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in _commands(cli) if c not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_lists_every_registered_source():
    """Fails when a scraper is registered without a row in the README's sources table."""
    from smcat.scrapers.registry import SCRAPERS

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Sources (scrapers)") : readme.index("## Keeping the catalogue fresh")]
    missing = [s.name for s in SCRAPERS if f"| `{s.name}` |" not in section]
    assert not missing, f"sources missing from README.md: {missing}"


def test_readme_documents_the_schedulers():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Keeping the catalogue fresh") :]
    for needle in (
        "kubectl apply -f deploy/cronjob.yaml",
        "aws scheduler create-schedule",
        "smcat refresh --catalog s3://BUCKET/smcat --json",
        "smcat refresh --every 6h",
        "| `4` |",
    ):
        assert needle in section
