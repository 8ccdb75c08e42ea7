"""``smcat catalog diff`` and ``smcat catalog notes``: the summary first, JSON and Markdown forms.

The store is a real directory of hand-made snapshots (``tests/resolver/catalog_versions.py``).
"""

from __future__ import annotations

import json

import pytest

from smcat.catalog.store import diff_snapshots
from tests.resolver.catalog_versions import V1, V2, smcat, two_versions


@pytest.fixture
def store(tmp_path):
    return two_versions(tmp_path / "catalog")


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
