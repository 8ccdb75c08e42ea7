"""``/healthz``: per-source freshness from ``status.json``, and when the service calls itself degraded."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from smcat.catalog.store import Store, make_snapshot, shipped_dir
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.routes.health import freshness
from smcat.service.settings import Settings

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def iso(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


SNAP = make_snapshot(
    [],
    sources={"a": {"status": "ok", "fetched_at": iso(100)}, "b": {"status": "ok", "fetched_at": iso(100)}},
    now=NOW - timedelta(hours=100),
)


def ok_source(hours_ago: float) -> dict:
    t = iso(hours_ago)
    return {"last_attempt": t, "last_success": t, "last_change": iso(200), "last_status": "ok"}


@pytest.mark.parametrize(
    "status, degraded, reason",
    [
        # no refresh ever ran here: the snapshot's age (100 h) counts
        ({}, True, "no refresh has run here"),
        # a fresh successful refresh that found nothing new: ok, though the snapshot itself is old
        (
            {
                "last_successful_refresh": iso(2),
                "last_refresh": {"at": iso(2), "outcome": "unchanged"},
                "sources": {"a": ok_source(2), "b": ok_source(2)},
            },
            False,
            None,
        ),
        # the last success is older than the limit
        (
            {"last_successful_refresh": iso(49), "last_refresh": {"at": iso(49), "outcome": "published"}},
            True,
            "49",
        ),
        # the last refresh was refused, with a failing source
        (
            {
                "last_successful_refresh": iso(30),
                "last_refresh": {"at": iso(1), "outcome": "refused", "reason": "b: parsed to nothing"},
                "sources": {
                    "a": ok_source(1),
                    "b": {**ok_source(30), "last_attempt": iso(1), "last_status": "failed", "error": "boom"},
                },
            },
            True,
            "source b is failing",
        ),
    ],
)
def test_degraded_when_stale_or_failing(status, degraded, reason):
    h = freshness(SNAP, status, 48.0, NOW)
    assert (h["status"] == "degraded") is degraded, h["reasons"]
    if reason:
        assert any(reason in r for r in h["reasons"]), h["reasons"]
    else:
        assert h["reasons"] == []
    assert set(h["sources"]) == {"a", "b"}
    for info in h["sources"].values():
        assert {"last_attempt", "last_success", "last_change", "last_status", "error", "fetched_at"} <= set(
            info
        )
        assert info["age_hours"] == 100.0


def test_a_failing_source_reports_its_error_and_last_success():
    status = {
        "last_successful_refresh": iso(30),
        "last_refresh": {"at": iso(1), "outcome": "refused", "reason": "b failed"},
        "sources": {"b": {**ok_source(30), "last_attempt": iso(1), "last_status": "failed", "error": "boom"}},
    }
    b = freshness(SNAP, status, 48.0, NOW)["sources"]["b"]
    assert (b["last_status"], b["error"], b["last_success"], b["last_attempt"]) == (
        "failed",
        "boom",
        iso(30),
        iso(1),
    )
    assert any("refused: b failed" in r for r in freshness(SNAP, status, 48.0, NOW)["reasons"])


@pytest.fixture
def store(tmp_path):
    shutil.copytree(shipped_dir() / "snapshots", tmp_path / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", tmp_path / "CURRENT")
    return Store(tmp_path)


def test_healthz_reads_status_json_and_stays_200(store):
    holder = CatalogHolder(store)
    with TestClient(create_app(Settings(stale_after_hours=48), holder=holder)) as c:
        store.write_status({"last_successful_refresh": "2020-01-01T00:00:00Z"})
        holder.check_now()  # what the background poll does every reload_seconds
        r = c.get("/healthz")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "degraded" and body["last_successful_refresh"] == "2020-01-01T00:00:00Z"
        assert body["catalog_version"] == store.current_id() and body["images"] > 1000
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        store.write_status(
            {"last_successful_refresh": now, "last_refresh": {"at": now, "outcome": "unchanged"}}
        )
        holder.check_now()
        body = c.get("/healthz").json()
        assert body["status"] == "ok" and body["reasons"] == []
