"""Issue 9, the service, with real ``smcat serve`` processes: S3 that stops answering, start-up
that fails fast with one line, and what the real server sends in its headers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from smcat.catalog.store import LocalLayer, Store, make_snapshot, shipped_dir
from smcat.service.serving import EXIT_CANNOT_LISTEN
from smcat.storage import S3Layer
from tests.resolver.servers import SMCAT, Service, SwitchableProxy, clean_env, free_port, get, get_json

BUCKET = "smcat-hardening"
PREFIX = "blackhole"
QUERY = "/image?framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"
TOKEN = "Zq3v-8XkP2mW9rTb7YnC4hLd"


def wait_for(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


# ------------------------------------------------------------------------------- 2. no blocking I/O


class TestSlowStore:
    """S3 blackholed after start-up: every request still answers from memory, /healthz says why."""

    @pytest.fixture
    def fleet(self, aws, tmp_path):
        session, url = aws
        session.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
        store = Store(S3Layer(BUCKET, PREFIX, session=session, endpoint_url=url))
        shipped = Store(LocalLayer(shipped_dir())).load()
        first = make_snapshot(
            list(shipped.images[1:]),
            sources=dict(shipped.sources),
            registries=dict(shipped.registries),
            now=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1),
        )
        store.publish(first)
        proxy = SwitchableProxy(int(url.rsplit(":", 1)[1]))
        env = clean_env(
            SMCAT_CATALOG=f"s3://{BUCKET}/{PREFIX}",
            SMCAT_RELOAD_SECONDS="0.3",
            SMCAT_STORE_TIMEOUT="1",
            SMCAT_LOCK_DIR=str(tmp_path / "locks"),
            AWS_ENDPOINT_URL=proxy.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="us-east-1",
            AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
            AWS_CONFIG_FILE=str(tmp_path / "none"),
        )
        service = Service(env, workers=1).start()
        try:
            yield service, proxy, store, first
        finally:
            service.stop()
            proxy.close()

    def test_requests_never_wait_on_a_blackholed_s3(self, fleet):
        service, proxy, store, first = fleet
        port = service.port
        assert get_json(port, "/healthz")[1]["catalog_version"] == first.id
        proxy.blackhole.set()
        time.sleep(1)  # several polls are now stuck on S3
        # every route answers from memory inside a 3 s client timeout (before: ~40 s, and
        # /healthz timed out); a request that waited on S3 would raise TimeoutError here
        for _ in range(5):
            for path in (QUERY, "/healthz", "/catalog/versions", "/frameworks", "/regions"):
                assert get(port, path, timeout=3)[0] == 200, path
        # a diff that needs S3 gives up after SMCAT_STORE_TIMEOUT with a 503, and the rest keeps going
        status, body = get_json(port, f"/catalog/diff?from={first.id}&to=current")
        assert status == 503 and body["error"] == "store_timeout"
        assert get(port, QUERY, timeout=3)[0] == 200
        # /healthz reports the poll's state without calling S3
        deadline = time.monotonic() + 30
        while (health := get_json(port, "/healthz", timeout=3)[1])["status"] != "degraded":
            assert time.monotonic() < deadline, f"/healthz never reported the stuck store: {health}"
            time.sleep(0.2)
        assert any("catalogue store check" in r for r in health["reasons"]), health["reasons"]
        assert health["catalog_version"] == first.id  # the last good catalogue keeps serving

        # S3 comes back: a newly published version is picked up without a restart
        proxy.blackhole.clear()
        second = make_snapshot(
            list(first.images[1:]), sources=dict(first.sources), registries=dict(first.registries)
        )
        store.publish(second)
        wait_for(
            lambda: get_json(port, "/healthz", timeout=3)[1]["catalog_version"] == second.id,
            timeout=40,
            what="the new version after S3 recovers",
        )
        assert service.proc.poll() is None


# ------------------------------------------------------------------------------- 5. start-up fails fast


def run_serve(env: dict, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([SMCAT, "serve", *args], env=env, capture_output=True, text=True, timeout=timeout)


class TestStartupFailsFast:
    """Bad settings, a catalogue that cannot load, a busy port: exit at once with one line."""

    @pytest.mark.parametrize(
        "extra, exit_code, words",
        [
            ({"SMCAT_REFRESH_ENABLED": "1", "SMCAT_ADMIN_TOKEN": "short"}, 2, "at least 20"),
            ({"SMCAT_REFRESH_ENABLED": "1", "SMCAT_ADMIN_TOKEN": "${SMCAT_ADMIN_TOKEN}"}, 2, "placeholder"),
            ({"SMCAT_RELOAD_SECONDS": "-1"}, 2, "SMCAT_RELOAD_SECONDS"),
            ({"SMCAT_CACHE_MAX_AGE": "soon"}, 2, "SMCAT_CACHE_MAX_AGE"),
        ],
    )
    def test_invalid_settings_exit_with_one_line(self, tmp_path, extra, exit_code, words):
        (tmp_path / "catalog").mkdir()  # a named catalogue must exist
        env = clean_env(SMCAT_CATALOG=str(tmp_path / "catalog"), **extra)
        res = run_serve(env, "--port", str(free_port()), "--workers", "2")
        assert res.returncode == exit_code, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("smcat: error: invalid settings:"), res.stderr
        assert words in lines[0] and "Traceback" not in res.stderr
        assert "short" not in lines[0].replace("SMCAT_", "")  # the token itself is never printed

    def test_a_catalogue_that_cannot_load_exits_with_one_line(self, tmp_path):
        root = tmp_path / "catalog"
        (root / "snapshots").mkdir(parents=True)
        (root / "snapshots" / "20990101T000000Z-deadbeef.json").write_text("{torn")
        (root / "CURRENT").write_text("20990101T000000Z-deadbeef\n")
        res = run_serve(clean_env(SMCAT_CATALOG=str(root)), "--port", str(free_port()), "--workers", "2")
        assert res.returncode != 0
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "the catalogue cannot be loaded" in lines[0], res.stderr
        assert "not valid JSON" in lines[0] and "Traceback" not in res.stderr

    def test_a_worker_that_cannot_start_stops_instead_of_respawning(self, tmp_path, monkeypatch, capsys):
        """Checked in the parent first; a worker that still fails exits with uvicorn's start-up
        code, on which uvicorn's supervisor stops instead of respawning it forever."""
        from uvicorn.config import STARTUP_FAILURE

        from smcat.service.serving import worker_app

        monkeypatch.setenv("SMCAT_CATALOG", str(tmp_path / "c"))
        monkeypatch.setenv("SMCAT_RELOAD_SECONDS", "-1")
        with pytest.raises(SystemExit) as e:
            worker_app()
        assert e.value.code == STARTUP_FAILURE
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("smcat: error: a worker could not start:"), err
        assert "SMCAT_RELOAD_SECONDS" in err[0]

    def test_a_port_in_use_is_its_own_exit_code(self, tmp_path):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            (tmp_path / "c").mkdir()
            res = run_serve(
                clean_env(SMCAT_CATALOG=str(tmp_path / "c")), "--port", str(port), "--workers", "2"
            )
        assert res.returncode == EXIT_CANNOT_LISTEN != 3  # 3 means "no match"
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "already in use" in lines[0] and str(port) in lines[0]


# ------------------------------------------------------------------------------- 4 and 7 on a real server


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """``smcat serve --workers 2`` over a copy of the shipped catalogue, refresh on, token from a file."""
    root = tmp_path_factory.mktemp("catalog")
    shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    env = clean_env(
        SMCAT_CATALOG=str(root),
        SMCAT_REFRESH_ENABLED="1",
        SMCAT_ADMIN_TOKEN=TOKEN + "\n",  # as read from a secret file
        SMCAT_LOCK_DIR=str(root / "locks"),
    )
    with Service(env, workers=2) as s:
        yield s


class TestRealServer:
    def test_no_server_header_and_nosniff(self, service):
        for path in (QUERY, "/image?framework=nope", "/nowhere", "/healthz", "/docs"):
            _, headers, _ = get(service.port, path)
            assert headers.get("server") is None, path
            assert headers["x-content-type-options"] == "nosniff", path
        _, headers, _ = get(service.port, "/docs")
        assert "default-src 'none'" in headers["content-security-policy"]

    def test_the_token_with_a_trailing_newline_authenticates_across_workers(self, service):
        for _ in range(4):  # both workers
            status, body = get_json(
                service.port, "/catalog/refresh/nope", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert status == 404 and body["error"] == "refresh_job_not_found"
