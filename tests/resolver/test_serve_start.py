"""Issue 11: ``smcat serve`` says where it listens and what it serves on start (one line, or
JSON), logs requests only with ``--access-log``, and as JSON lines with ``--log-format json``.
Real ``smcat serve`` processes on loopback."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from smcat.service.serving import describe_age, start_line
from tests.resolver.servers import SMCAT, clean_env, free_port, get


class Serve:
    """``smcat serve ARGS`` with stdout and stderr kept apart; ``first_line()`` waits for the start line."""

    def __init__(self, tmp_path, *args: str) -> None:
        self.port = free_port()
        (tmp_path / "catalog").mkdir(exist_ok=True)
        self.out = (tmp_path / "out").open("w+")
        self.err = (tmp_path / "err").open("w+")
        self.proc = subprocess.Popen(
            [SMCAT, "serve", "--port", str(self.port), *args],
            env=clean_env(SMCAT_CATALOG=str(tmp_path / "catalog")),
            stdout=self.out,
            stderr=self.err,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.read(self.err)
            try:
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail("smcat serve did not answer")

    @staticmethod
    def read(f) -> str:
        f.flush()
        f.seek(0)
        return f.read()

    def stop(self) -> tuple[str, str]:
        self.proc.terminate()
        self.proc.wait(timeout=15)
        return self.read(self.out), self.read(self.err)


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(*args: str) -> Serve:
        s = Serve(tmp_path, *args)
        started.append(s)
        s.wait_ready()
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.stop()


def test_start_line_says_where_and_what(serve):
    s = serve("--workers", "2")
    get(s.port, "/regions")
    out, err = s.stop()
    lines = out.strip().splitlines()
    assert lines and lines[0].startswith(
        f"smcat: serving http://127.0.0.1:{s.port} (2 workers), shipped snapshot "
    )
    assert " built 20" in lines[0] and " old; health " in lines[0]
    assert '"GET /regions' not in out + err  # no access log by default


def test_start_line_as_json_and_json_access_log(serve):
    s = serve("--json", "--access-log", "--log-format", "json")
    get(s.port, "/frameworks/nosuchframework")
    time.sleep(0.3)
    out, _ = s.stop()
    lines = [json.loads(line) for line in out.strip().splitlines()]  # every stdout line is JSON
    start = lines[0]
    assert start["event"] == "listening" and start["port"] == s.port and start["workers"] == 1
    assert start["catalog_origin"] == "shipped" and start["catalog_version"] and start["access_log"] is True
    assert isinstance(start["catalog_age_hours"], float)
    access = [x for x in lines[1:] if x.get("event") == "request"]
    assert any(a["path"] == "/frameworks/nosuchframework" and a["status"] == 422 for a in access), lines
    assert all(a["method"] == "GET" and a["time"].endswith("Z") for a in access)


def test_start_errors_are_json_with_json(tmp_path):
    res = subprocess.run(
        [SMCAT, "serve", "--json", "--port", str(free_port())],
        env=clean_env(SMCAT_CATALOG=str(tmp_path / "typo")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and res.stderr == ""
    body = json.loads(res.stdout)
    assert body["error"] == "invalid_query" and "SMCAT_CATALOG" in body["detail"] and body["exit_code"] == 2


@pytest.mark.parametrize(
    "hours, words",
    [(0.2, "12 min old"), (5.4, "5 h old"), (24, "24 h old"), (49, "2 days old"), (23 * 24, "23 days old")],
)
def test_ages_read_as_people_say_them(hours, words):
    assert describe_age(hours) == words


def test_start_line_grammar():
    info = {
        "url": "http://h:1",
        "workers": 1,
        "catalog_origin": "store",
        "catalog_created_at": "2026-11-24T00:00:00Z",
        "catalog_version": "v",
        "catalog_age_hours": 30.0,
        "health": "http://h:1/healthz",
        "docs": "http://h:1/docs",
        "access_log": False,
    }
    assert start_line(info) == (
        "smcat: serving http://h:1 (1 worker), catalogue v built 2026-11-24, 30 h old; "
        "health http://h:1/healthz, docs http://h:1/docs"
    )
