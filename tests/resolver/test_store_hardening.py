"""What the service, the CLI and an S3 store do with a tampered snapshot, a bad pointer or a bad document.

Issue 9, items 8-10, seen from the outside: the service keeps serving the last good catalogue
and says ``degraded``; the CLI exits non-zero with one line; S3 gets the same checks as a
directory (through a real moto server).
"""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from smcat.catalog import snapshot_io
from smcat.catalog.errors import CorruptSnapshot
from smcat.catalog.store import Store, make_snapshot, shipped_dir
from smcat.cli import cli
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings
from smcat.storage import S3Layer

SHIPPED_ID = (shipped_dir() / "CURRENT").read_text().strip()
DLC, EVIL = "763104351884", "666666666666"
BUCKET = "smcat-hardening"


@pytest.fixture(scope="module")
def shipped():
    return Store(shipped_dir()).load()


def later(snap, hours: int = 1):
    """A new version of ``snap`` (one image fewer, ``hours`` later)."""
    from datetime import UTC, datetime, timedelta

    t = datetime.fromisoformat(snap.created_at.replace("Z", "+00:00")).astimezone(UTC) + timedelta(
        hours=hours
    )
    return make_snapshot(
        list(snap.images[1:]),
        sources=dict(snap.sources),
        registries=dict(snap.registries),
        conflicts=snap.conflicts,
        now=t.replace(microsecond=0),
    )


def tampered(snap) -> str:
    """``snap`` as a file in which one DLC account was flipped to 666666666666."""
    return snapshot_io.dumps(snap).replace(f'"{DLC}"', f'"{EVIL}"', 1)


@pytest.fixture
def catalog(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    return root


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smcat: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


class TestIntegrityOutside:
    """Item 8: a tampered snapshot is refused by the service, the CLI and an S3 store."""

    def test_service_keeps_the_last_good_version_and_reports_degraded(self, catalog, shipped):
        store = Store(catalog)
        holder = CatalogHolder(store, reload_seconds=0)
        new = later(shipped)
        with TestClient(create_app(Settings(stale_after_hours=1e6), holder=holder)) as c:
            assert c.get("/healthz").json()["status"] == "ok"
            (catalog / "snapshots" / f"{new.id}.json").write_text(tampered(new))
            (catalog / "CURRENT").write_text(new.id + "\n")  # a refresh (or an attacker) moved the pointer
            holder.check_now()  # what the background poll does next
            body = c.get("/healthz").json()
            assert body["status"] == "degraded" and body["catalog_version"] == SHIPPED_ID
            assert any("CorruptSnapshot" in r and "integrity" in r for r in body["reasons"]), body["reasons"]
            r = c.get("/image", params={"framework": "pytorch", "version": "2.1", "region": "us-east-1"})
            assert r.status_code == 200 and EVIL not in r.text
            assert r.json()["catalog_version"] == SHIPPED_ID
            (catalog / "snapshots" / f"{new.id}.json").write_text(snapshot_io.dumps(new))  # repaired
            holder.check_now()
            body = c.get("/healthz").json()
            assert body["catalog_version"] == new.id and body["status"] == "ok", body["reasons"]

    def test_cli_exits_non_zero_with_one_line(self, catalog):
        path = catalog / "snapshots" / f"{SHIPPED_ID}.json"
        path.write_text(path.read_text().replace(f'"{DLC}"', f'"{EVIL}"', 1))
        for args in (
            ["catalog", "show"],
            ["catalog", "status"],
            ["resolve", "-f", "pytorch", "-v", "2.1", "-r", "us-east-1"],
        ):
            code, out, err = run(*args, "--catalog", str(catalog))
            assert code == 1, (args, out, err)
            line = one_line_error(err)
            assert "fails its integrity check" in line and SHIPPED_ID in line and EVIL not in out

    def test_a_tampered_snapshot_in_s3_is_refused(self, aws, shipped):
        session, url = aws
        session.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
        layer = S3Layer(BUCKET, "fleet", session=session, endpoint_url=url)
        good, bad = later(shipped, 1), later(shipped, 2)
        store = Store(layer)
        store.publish(good)
        layer.write(f"snapshots/{bad.id}.json", tampered(bad))
        layer.write("CURRENT", bad.id + "\n")
        replica = Store(S3Layer(BUCKET, "fleet", session=session, endpoint_url=url))
        with pytest.raises(CorruptSnapshot) as e:
            replica.load()
        assert f"s3://{BUCKET}/fleet/snapshots/{bad.id}.json" in str(e.value)
        assert replica.load(good.id) == good


class TestPointerOutside:
    """Item 9: ids from the CLI and HTTP are validated; a bad pointer is an error, not a fallback."""

    @pytest.mark.parametrize("spec", ["../../../etc/passwd", "a" * 200])
    def test_cli_catalog_version_is_validated(self, spec):
        code, _, err = run(
            "resolve", "-f", "pytorch", "-v", "2.1", "-r", "us-east-1", "--catalog-version", spec
        )
        assert code == 2
        assert "Invalid catalogue version" in one_line_error(err)

    def test_http_version_params_are_validated(self, catalog):
        with TestClient(create_app(Settings(), holder=CatalogHolder(Store(catalog)))) as c:
            r = c.get("/catalog/diff", params={"from": "../../../etc/passwd"})
            assert r.status_code == 422 and r.json()["field"] == "catalog_version"
            r = c.get("/catalog/diff", params={"from": SHIPPED_ID, "to": "x" * 10_000})
            assert r.status_code == 422 and len(r.text) < 1000

    def test_cli_refuses_a_store_with_snapshots_but_no_pointer(self, catalog):
        (catalog / "CURRENT").unlink()
        code, _, err = run("catalog", "show", "--catalog", str(catalog))
        assert code == 1
        assert f"is missing, but the store holds 1 version(s) (newest {SHIPPED_ID})" in one_line_error(err)
        code, out, _ = run("catalog", "versions", "--catalog", str(catalog))  # listing still works
        assert code == 0 and SHIPPED_ID in out
        code, _, _ = run("catalog", "use", SHIPPED_ID, "--catalog", str(catalog))  # and the repair
        assert code == 0 and (catalog / "CURRENT").read_text().strip() == SHIPPED_ID

    def test_refresh_into_a_store_with_a_bad_pointer_fails_in_one_line_and_is_recorded(
        self, catalog, tmp_path
    ):
        (catalog / "CURRENT").write_text("../../../etc/passwd\n")
        mirror = tmp_path / "mirror"
        mirror.mkdir()
        code, _, err = run("refresh", "--mirror", str(mirror), "--catalog", str(catalog))
        assert code == 1
        lines = err.strip().splitlines()
        assert (
            len(lines) == 1
            and lines[0].startswith("failed: The catalogue pointer")
            and "Traceback" not in err
        )
        status = json.loads((catalog / "status.json").read_text())
        assert (
            status["last_refresh"]["outcome"] == "failed"
            and "not a version id" in status["last_refresh"]["reason"]
        )


class TestShapeOutside:
    """Item 10: a ``status.json`` or a snapshot of the wrong shape gives no 500 and no traceback."""

    def test_healthz_with_a_bad_status_json_is_degraded_not_500(self, catalog):
        holder = CatalogHolder(Store(catalog))
        with TestClient(create_app(Settings(stale_after_hours=1e6), holder=holder)) as c:
            (catalog / "status.json").write_text("[]")
            holder.check_now()  # the background poll reads status.json; /healthz never does
            r = c.get("/healthz")
            assert r.status_code == 200
            body = r.json()
            assert body["status"] == "degraded" and any(
                "status.json is unreadable" in x for x in body["reasons"]
            ), body["reasons"]

    def test_cli_status_with_a_bad_status_json_is_one_line(self, catalog):
        (catalog / "status.json").write_text('{"sources": []}')
        code, _, err = run("catalog", "status", "--catalog", str(catalog))
        assert code == 1
        assert "status.json is unreadable: sources: expected an object, got list" in one_line_error(err)

    def test_cli_with_images_of_the_wrong_shape_is_one_line(self, catalog):
        path = catalog / "snapshots" / f"{SHIPPED_ID}.json"
        doc = json.loads(path.read_text())
        doc["images"] = [1]
        path.write_text(json.dumps(doc))
        code, _, err = run("catalog", "show", "--catalog", str(catalog))
        assert code == 1
        assert "malformed (images[0]: expected an image object, got int)" in one_line_error(err)
        code, out, err = run("catalog", "show", "--catalog", str(catalog), "--json")  # JSON on stdout
        assert code == 1 and err == "" and json.loads(out)["exit_code"] == 1
        assert "malformed (images[0]: expected an image object, got int)" in json.loads(out)["detail"]
