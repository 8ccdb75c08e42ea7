"""``POST /catalog/refresh`` / ``GET /catalog/refresh/{id}``: auth, start-up refusal, one refresh at a time,
real refreshes over the recorded mirror with an edited document overlaid (published, refused),
and what the service serves after."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from smcat.catalog.store import Store, shipped_dir
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings
from tests.conftest import MIRROR, requires_shared
from tests.mirror_overlay import MirrorOverlay

TOKEN = "Zq3v-8XkP2mW9rTb7YnC4hLd"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DLC = "https://raw.githubusercontent.com/aws/deep-learning-containers"
TF_YAML = f"{DLC}/main/docs/src/data/tensorflow-inference/2.19-gpu-sagemaker.yml"
EXAMPLE = "/image?framework=tensorflow&version=2.19&gpu=true&region=us-east-1&platform=sagemaker"


@pytest.fixture
def store(tmp_path):
    """A writable copy of the shipped catalogue (real facts)."""
    root = tmp_path / "catalog"
    shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    return Store(root)


@pytest.fixture
def mirror(tmp_path):
    """The recorded upstream sources, read through symlinks; ``edit(url)`` gives a real copy to change."""
    if not MIRROR.is_dir():
        pytest.skip(f"recorded upstream sources not found at {MIRROR}")
    return MirrorOverlay(MIRROR, tmp_path / "mirror")


def make_client(store, tmp_path, mirror=None, **overrides) -> TestClient:
    clock = [0.0]
    holder = CatalogHolder(store, reload_seconds=5, clock=lambda: clock[0])
    settings = {
        "refresh_enabled": True,
        "admin_token": TOKEN,
        "refresh_mirror": str(mirror.root if mirror else tmp_path / "no-mirror"),
        "lock_dir": str(tmp_path / "locks"),
        **overrides,
    }
    client = TestClient(create_app(Settings(**settings), holder=holder))
    client.clock = clock
    return client


@pytest.fixture
def client(store, tmp_path, mirror):
    with make_client(store, tmp_path, mirror) as c:
        yield c


def wait(client, job_id: str) -> dict:
    jobs = client.app.state.refresh_jobs
    record = jobs.wait(job_id, timeout=60)
    assert record is not None and record["status"] != "running", record
    body = client.get(f"/catalog/refresh/{job_id}", headers=AUTH).json()
    assert body["status"] == record["status"]
    return body


# ------------------------------------------------------------------------------------------- start-up


@pytest.mark.parametrize(
    "token, words",
    [
        (None, "not set"),  # enabled without a token
        ("", "not set"),  # an empty one
        ("   ", "not set"),  # blanks only
        ("q7R-xK2p9LmZ4vB8nT6w", None),  # 20 random characters: long enough, accepted (checked below)
        ("s3cr3t-but-short", "at least 20"),  # 16 characters: no longer enough
        ("Xy7-short", "at least 20"),  # too short
        ("changeme", "well-known"),  # the usual defaults, in any case
        ("CHANGEME", "well-known"),
        ("admin", "well-known"),
        ("password", "well-known"),
        ("smcat", "well-known"),
        ("aaaaaaaaaaaaaaaaaaaaaaaa", "trivially guessable"),  # long but trivially guessable
    ],
)
def test_the_service_refuses_to_start_with_a_weak_token(token, words):
    if words is None:
        assert Settings(refresh_enabled=True, admin_token=token).refresh_enabled
        return
    with pytest.raises(ValidationError) as e:
        create_app(Settings(refresh_enabled=True, admin_token=token))
    assert words in str(e.value)
    assert "secrets.token_urlsafe(32)" in str(e.value)  # says how to make a good one
    assert not token or token.strip() == "" or token not in str(e.value)  # never echoed into logs


def test_start_up_reads_the_environment(monkeypatch, store):
    monkeypatch.setenv("SMCAT_REFRESH_ENABLED", "1")
    monkeypatch.setenv("SMCAT_ADMIN_TOKEN", "changeme")
    with pytest.raises(ValidationError, match="SMCAT_ADMIN_TOKEN"):
        create_app()
    monkeypatch.setenv("SMCAT_ADMIN_TOKEN", TOKEN)
    settings = Settings()
    assert settings.admin_token.get_secret_value() == TOKEN and TOKEN not in repr(settings)
    monkeypatch.delenv("SMCAT_ADMIN_TOKEN")
    monkeypatch.setenv("SMCAT_REFRESH_ENABLED", "0")  # off: no token needed
    assert Settings().refresh_enabled is False


# ------------------------------------------------------------------------------------------- auth


def test_disabled_by_default_is_404_even_with_a_token(store):
    holder = CatalogHolder(store)
    with TestClient(create_app(Settings(), holder=holder)) as c:
        for r in (c.post("/catalog/refresh", headers=AUTH), c.get("/catalog/refresh/x", headers=AUTH)):
            assert r.status_code == 404
            assert "disabled" in r.json()["message"]


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),  # no credentials
        ({"Authorization": ""}, 401),  # empty header
        ({"Authorization": f"Basic {TOKEN}"}, 401),  # another scheme
        ({"Authorization": "Bearer "}, 401),  # a scheme without a token
        ({"Authorization": "Bearer wrong-token-of-some-length"}, 403),  # wrong
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403),  # a prefix of the right one
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),  # the right one and more
        ({"Authorization": f"Bearer {TOKEN.lower()}"}, 403),  # case matters
    ],
)
def test_auth_matrix(store, tmp_path, headers, status):
    with make_client(store, tmp_path) as c:
        for r in (
            c.post("/catalog/refresh", headers=headers),
            c.get("/catalog/refresh/abc", headers=headers),
        ):
            assert r.status_code == status, r.text
            if status == 401:
                assert r.headers["www-authenticate"] == "Bearer"
                assert r.json()["error"] == "unauthorized"
            else:  # one generic body, whatever was wrong with the token
                assert r.json() == {
                    "type": "urn:smcat:problem:forbidden",
                    "title": "Forbidden",
                    "status": 403,
                    "detail": "Invalid credentials.",
                    "error": "forbidden",
                    "message": "Invalid credentials.",
                }
            assert TOKEN not in r.text
        assert c.app.state.refresh_jobs.running() is None  # nothing was started


def test_an_unknown_job_is_404(client):
    r = client.get("/catalog/refresh/nope", headers=AUTH)
    assert r.status_code == 404 and r.json()["error"] == "refresh_job_not_found"


def test_a_job_whose_worker_died_is_reported_failed(client):
    jobs = client.app.state.refresh_jobs
    # a record left "running" by a worker that was killed; its running slot has expired since
    jobs._save({"id": "dead", "status": "running", "started_at": "2030-01-01T00:00:00Z", "progress": []})
    body = client.get("/catalog/refresh/dead", headers=AUTH).json()
    assert body["status"] == "failed" and "stopped" in body["error"] and body["finished_at"]


# ------------------------------------------------------------------------------------------- refreshes


@requires_shared
def test_right_token_starts_a_refresh_that_publishes_and_is_served(client, store, mirror):
    old = store.current_id()
    yml = mirror.edit(TF_YAML)
    yml.write_text(
        yml.read_text().replace("tags:\n", 'tags:\n  - "2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker-v9.9"\n')
    )
    r = client.post("/catalog/refresh", headers=AUTH)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "running" and body["status_url"] == f"/catalog/refresh/{body['id']}"
    assert r.headers["location"] == body["status_url"]
    done = wait(client, body["id"])
    assert done["status"] == "published", done
    assert done["started_at"] <= done["finished_at"]
    assert [p["source"] for p in done["progress"]] == [s["name"] for s in done["report"]["sources"]]
    assert all(p["status"] == "ok" for p in done["progress"])
    new = done["report"]["snapshot"]
    assert new != old and store.current_id() == new and done["report"]["previous"] == old
    assert [c["fields"] for c in done["report"]["diff"]["changed"]] == [["tags"]]
    # this worker serves the new version at once (no clock advance needed)
    answer = client.get(EXAMPLE).json()
    assert answer["catalog_version"] == new
    assert "2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker-v9.9" in answer["moving_tags"] + [answer["tag"]]
    h = client.get("/healthz").json()
    assert h["status"] == "ok", h["reasons"]
    assert h["last_refresh"]["outcome"] == "published" and h["last_successful_refresh"]
    assert all(s["last_status"] == "ok" for s in h["sources"].values())
    assert client.app.state.refresh_jobs.running() is None  # the slot is free again


@requires_shared
def test_a_failed_refresh_keeps_the_served_version_and_shows_in_healthz(client, store, mirror):
    old = store.current_id()
    mirror.edit(TF_YAML).write_text("tags: [\n  broken yaml: {\n")
    r = client.post("/catalog/refresh", headers=AUTH)
    assert r.status_code == 202
    done = wait(client, r.json()["id"])
    assert done["status"] == "refused"
    assert "dlc-image-data" in done["report"]["reason"]
    assert {p["source"]: p["status"] for p in done["progress"]}["dlc-image-data"] == "failed"
    assert store.current_id() == old
    client.clock[0] += 60
    assert client.get(EXAMPLE).json()["catalog_version"] == old
    h = client.get("/healthz")
    assert h.status_code == 200  # still serving the last good catalogue
    body = h.json()
    assert body["status"] == "degraded" and body["catalog_version"] == old
    assert any("refused" in reason for reason in body["reasons"])
    assert any("dlc-image-data" in reason for reason in body["reasons"])
    src = body["sources"]["dlc-image-data"]
    assert src["last_status"] == "failed" and "2.19-gpu-sagemaker.yml" in src["error"]
    assert src["last_success"] is None and src["last_attempt"]
    assert body["sources"]["dlc-regions"]["last_status"] == "ok"


def test_a_refresh_running_elsewhere_refuses_a_second_one(client, store):
    with store.lock():  # e.g. 'smcat refresh' from cron on the same catalogue
        r = client.post("/catalog/refresh", headers=AUTH)
    assert r.status_code == 409
    assert r.json()["error"] == "refresh_running" and "Another refresh" in r.json()["message"]
    assert client.app.state.refresh_jobs.running() is None  # the API slot was given back


@requires_shared
def test_two_workers_one_refresh(client, store, tmp_path, mirror):
    """Two service instances (workers) sharing a lock directory: one refresh, both can report it."""
    old = store.current_id()
    yml = mirror.edit(TF_YAML)
    yml.write_text(yml.read_text().replace("tags:\n", 'tags:\n  - "2.19.0-extra-tag"\n'))
    with make_client(Store(store.location), tmp_path, mirror) as other:
        first = client.post("/catalog/refresh", headers=AUTH)
        second = other.post("/catalog/refresh", headers=AUTH)
        third = client.post("/catalog/refresh", headers=AUTH)
        assert first.status_code == 202
        job = first.json()["id"]
        for r in (second, third):
            assert r.status_code == 409, r.text
            assert r.json()["running"] == job and r.json()["status_url"] == f"/catalog/refresh/{job}"
        done = wait(client, job)
        assert done["status"] == "published"
        # the other worker answers for a job it did not start
        assert other.get(f"/catalog/refresh/{job}", headers=AUTH).json() == done
        # and picks the new version up on its next pointer check
        other.app.state.holder.check_now()  # what its background poll does every reload_seconds
        assert other.get(EXAMPLE).json()["catalog_version"] == done["report"]["snapshot"]
    assert len([v for v in store.versions() if not v.shipped]) == 2  # the copy of the shipped one + one new
    assert store.current_id() != old
