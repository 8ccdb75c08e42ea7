"""``smcat refresh`` once and with ``--every``: the summary line, JSON, exit codes, signals, bad values.

The refresh itself is replaced by a fake (the real pipeline is tested in tests/scrapers); the
store is a real directory of hand-made snapshots (``tests/resolver/catalog_versions.py``).
"""

from __future__ import annotations

import json
import os
import signal

import pytest
from click.testing import CliRunner

from smcat.catalog.store import Store
from smcat.cli import cli
from smcat.scrapers import refresh as scrapers_refresh
from smcat.scrapers.refresh import RefreshReport
from tests.resolver.catalog_versions import V1, V2, smcat


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
