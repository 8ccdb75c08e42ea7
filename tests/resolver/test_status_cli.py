"""``smcat catalog status`` and ``smcat catalog eol``: output for people and JSON for scripts."""

from __future__ import annotations

import json
import shutil

import click
import pytest
from click.testing import CliRunner

from smcat.catalog.store import Store, shipped_dir
from smcat.cli import output, status_cmds
from smcat.cli.status_cmds import parse_within


@pytest.fixture
def group():
    """The two commands on a group of their own (the lead wires them into ``smcat catalog``)."""
    g = click.Group("catalog")
    status_cmds.register(g)
    return g


@pytest.fixture
def catalog(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    return root


STATUS = {
    "last_refresh": {"at": "2026-11-24T06:00:00Z", "outcome": "refused", "reason": "dlc-regions: boom"},
    "last_successful_refresh": "2026-11-23T06:00:00Z",
    "sources": {
        "dlc-regions": {
            "last_attempt": "2026-11-24T06:00:00Z",
            "last_success": "2026-11-23T06:00:00Z",
            "last_change": "2026-11-01T06:00:00Z",
            "last_status": "failed",
            "error": "boom",
        },
        "dlc-image-data": {
            "last_attempt": "2026-11-24T06:00:00Z",
            "last_success": "2026-11-24T06:00:00Z",
            "last_change": "2026-11-20T06:00:00Z",
            "last_status": "ok",
        },
    },
}


@pytest.mark.parametrize(
    "text, days",
    [
        ("90d", 90),
        ("90", 90),  # a bare number is days
        ("12w", 84),
        ("6mo", 180),  # 30-day months (m is minutes, as in --every)
        ("24h", 1),  # any unit that makes whole days
        ("1y", 365),
        (" 7D ", 7),  # case and blanks forgiven
        ("0", 0),
    ],
)
def test_parse_within(text, days):
    assert parse_within(text) == days


@pytest.mark.parametrize("bad", ["", "d", "-5d", "3x", "1.5w", "ninety", "6m", "36h"])
def test_a_bad_within_says_what_to_write(group, bad):
    r = CliRunner().invoke(group, ["eol", "--within", bad])
    assert r.exit_code == 2
    assert "Invalid duration" in r.output and "90d" in r.output
    assert "6mo" in r.output  # the months unit is named, since 6m (minutes) is refused


def test_six_m_is_refused_not_read_as_minutes_or_months():
    # --within read 6m as six months and --every as six minutes; one grammar now: m is minutes,
    # which is no whole number of days, so --within says so instead of guessing.
    with pytest.raises(ValueError, match=r"'6m' is not a whole number of days \(m is minutes, mo months\)"):
        parse_within("6m")


def test_status_json_and_table(group, catalog, monkeypatch):
    monkeypatch.setattr(output.console, "width", 250)
    Store(catalog).write_status(STATUS)
    r = CliRunner().invoke(group, ["status", "--catalog", str(catalog), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["current"] == (shipped_dir() / "CURRENT").read_text().strip()
    assert data["images"] > 1000 and data["age"]
    assert data["last_refresh"]["outcome"] == "refused"
    assert data["last_successful_refresh"] == "2026-11-23T06:00:00Z"
    regions = data["sources"]["dlc-regions"]
    assert (regions["last_status"], regions["error"], regions["last_change"]) == (
        "failed",
        "boom",
        "2026-11-01T06:00:00Z",
    )
    assert data["sources"]["aws-docs-ecr-paths"]["fetched_at"]  # known from the snapshot alone
    assert data["sources"]["aws-docs-ecr-paths"]["last_attempt"] is None
    text = CliRunner().invoke(group, ["status", "--catalog", str(catalog)])
    assert text.exit_code == 0
    assert "last refresh 2026-11-24T06:00:00Z: refused (dlc-regions: boom)" in text.output
    assert data["current"] in text.output and "dlc-regions" in text.output


def test_status_before_any_refresh(group, catalog):
    r = CliRunner().invoke(group, ["status", "--catalog", str(catalog)])
    assert r.exit_code == 0 and "no refresh has run" in r.output


def test_eol_json_with_a_fixed_today(group, catalog):
    args = ["eol", "--catalog", str(catalog), "--today", "2026-11-24", "--framework", "sklearn", "--json"]
    r = CliRunner().invoke(group, [*args, "--within", "30d"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["today"] == "2026-11-24" and data["within_days"] == 30
    assert data["images"] and all(i["framework"] == "sklearn" for i in data["images"])
    assert all(i["status"] == "past" and i["days_left"] < 0 for i in data["images"])
    row = data["images"][0]
    assert row["successor"] and row["successor"]["version"] != row["version"]
    # a wider window can only add images, and only as "soon"
    wide = json.loads(CliRunner().invoke(group, [*args, "--within", "2y"]).output)["images"]
    assert wide[: len(data["images"])] == data["images"]
    assert all(i["status"] == "soon" for i in wide[len(data["images"]) :])


def test_eol_table(group, catalog, monkeypatch):
    monkeypatch.setattr(output.console, "width", 250)  # rich tables wrap to the console's width
    r = CliRunner().invoke(
        group, ["eol", "--catalog", str(catalog), "--today", "2026-11-24", "--framework", "keras"]
    )
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert "images past end of patch" in first and "within 90 days (as of 2026-11-24" in first
    assert "tensorflow-inference" in r.output and "past" in r.output
