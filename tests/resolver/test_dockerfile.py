"""The Dockerfile: hadolint-clean, and its CMD and HEALTHCHECK really start and probe the service.

Docker cannot build here, so the image's command runs locally, as the container would run it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_hadolint_passes():
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    out = subprocess.run([exe, str(DOCKERFILE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def _instruction(name: str) -> list[str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    m = re.search(rf"^{name}\s+(?:.*?CMD\s+)?(\[.*\])\s*$", text, re.M)
    assert m, f"no {name} in the Dockerfile"
    return json.loads(m.group(1))


def test_dockerfile_runs_non_root_with_a_healthcheck():
    text = DOCKERFILE.read_text()
    assert re.search(r"^USER\s+(?!root|0\b)\S+", text, re.M)
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "SMCAT_WORKERS" in text


def test_the_image_command_serves_and_the_healthcheck_passes(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SMCAT_PORT": str(port),
        "SMCAT_WORKERS": "1",
        "SMCAT_CATALOG": str(tmp_path / "catalog"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    cmd = _instruction("CMD")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    body = json.load(r)
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"the service exited: {proc.stdout.read().decode()}")
                time.sleep(0.2)
        assert body and body["images"] > 1000
        health = _instruction("HEALTHCHECK")
        health[0] = sys.executable if health[0] == "python" else health[0]
        assert subprocess.run(health, env=env, timeout=10).returncode == 0
        q = "framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/image?{q}", timeout=5) as r:
            assert json.load(r)["uri"].endswith("tensorflow-inference:2.0.4-gpu")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
