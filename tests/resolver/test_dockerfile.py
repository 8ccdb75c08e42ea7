"""The Dockerfile: hadolint-clean, and its CMD and HEALTHCHECK really start and probe the service.

Docker cannot build here, so the image's command runs locally, as the container would run it, and
what the build would use is checked from the files: the base image pinned by digest, the
hash-locked requirements in step with pyproject.toml, the OCI labels and the script that fills
them, and the build context that .dockerignore leaves (Docker's pattern rules, reimplemented).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT
from tests.resolver.servers import free_port

DOCKERFILE = ROOT / "Dockerfile"


def test_hadolint_passes():
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    out = subprocess.run([exe, str(DOCKERFILE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.*)$", text, re.M)]


def _instruction(name: str) -> list[str]:
    """The exec-form (JSON array) command of the single ``name`` instruction (CMD, HEALTHCHECK)."""
    (args,) = instructions(name)
    m = re.fullmatch(r"(?:.*?CMD\s+)?(\[.*\])", args)
    assert m, f"no exec-form {name} in the Dockerfile"
    return json.loads(m.group(1))


def test_dockerfile_runs_non_root_with_a_healthcheck():
    text = DOCKERFILE.read_text()
    assert re.search(r"^USER\s+(?!root|0\b)\S+", text, re.M)
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "SMCAT_WORKERS" in text


def test_the_image_command_serves_and_the_healthcheck_passes(tmp_path):
    port = free_port()
    (tmp_path / "catalog").mkdir()  # as the Dockerfile does (a named catalogue must exist)
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


# --- what the image is built from: pinned base, hash-locked dependencies, labels --------------

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "requirements.lock"
BUILD_LOCK = ROOT / "requirements-build.lock"


def test_base_image_is_pinned_by_digest():
    (base,) = instructions("FROM")
    m = re.fullmatch(r"python:(\d+\.\d+)[\w.-]*@sha256:[0-9a-f]{64}(?:\s+AS\s+\w+)?", base)
    assert m, f"FROM is not tag@sha256:digest: {base}"
    # The image's Python is the one the locks were compiled for, and one the project supports.
    assert f"--python-version {m.group(1)}" in (ROOT / "deploy" / "lock-requirements.sh").read_text()
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(m.group(1) + ".0")


def labels() -> dict[str, str]:
    found: dict[str, str] = {}
    for args in instructions("LABEL"):
        found.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    return found


def test_oci_labels_name_the_source_version_revision_and_licence():
    got = labels()
    args = {a.split("=", 1)[0] for a in instructions("ARG")}
    oci = "org.opencontainers.image."
    assert got[oci + "title"] == PYPROJECT["project"]["name"]
    assert got[oci + "licenses"] == PYPROJECT["project"]["license"]
    # Filled at build time from build arguments the Dockerfile declares.
    for label, arg in (("version", "VERSION"), ("revision", "REVISION"), ("source", "SOURCE_URL")):
        assert got[oci + label] == "${" + arg + "}" and arg in args


def test_build_script_passes_the_version_revision_and_source():
    env = {**os.environ, "DOCKER": "echo"}
    out = subprocess.run(
        ["sh", str(ROOT / "deploy" / "build-image.sh"), "registry.example/smcat"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    version = PYPROJECT["project"]["version"]
    assert out[0] == "build" and out[-1] == "."
    assert f"VERSION={version}" in out and f"registry.example/smcat:{version}" in out
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    assert f"REVISION={head.stdout.strip() if head.returncode == 0 else 'unknown'}" in out


def test_build_script_without_an_image_says_how_to_call_it():
    out = subprocess.run(["sh", str(ROOT / "deploy" / "build-image.sh")], capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.startswith("usage: deploy/build-image.sh IMAGE")


def lock_entries(path: Path) -> list[dict[str, Any]]:
    """Each ``name==version [; marker] --hash=...`` entry of a pip lock, with the ``# via`` lines after it."""
    entries: list[dict[str, Any]] = []
    for line in path.read_text().replace("\\\n", " ").splitlines():
        if line.startswith("    #") and entries:
            entries[-1]["via"] += line
        elif line.strip() and not line.startswith("#"):
            m = re.match(
                r"([A-Za-z0-9._-]+)==(\S+?)\s*(?:;[^-]*)?((?:\s*--hash=sha256:[0-9a-f]{64})*)\s*$", line
            )
            assert m, f"{path.name}: not a pinned, hashed requirement: {line}"
            entries.append(
                {
                    "name": canonicalize_name(m.group(1)),
                    "version": Version(m.group(2)),
                    "hashes": m.group(3).split(),
                    "via": "",
                }
            )
    return entries


def test_lock_pins_every_runtime_dependency_of_pyproject():
    entries = lock_entries(LOCK)
    wanted = {
        canonicalize_name(Requirement(d).name): Requirement(d) for d in PYPROJECT["project"]["dependencies"]
    }
    pinned = {e["name"] for e in entries}
    missing = sorted(set(wanted) - pinned)
    assert not missing, (
        f"in pyproject.toml but not in requirements.lock: {missing}; run deploy/lock-requirements.sh"
    )
    for e in entries:
        if e["name"] in wanted:
            assert e["version"] in wanted[e["name"]].specifier, (
                f"{e['name']}=={e['version']} vs {wanted[e['name']]}"
            )
    # ...and no direct dependency the lock remembers that pyproject.toml no longer has.
    direct = {e["name"] for e in entries if "(pyproject.toml)" in e["via"]}
    assert direct == set(wanted), (
        f"lock is stale: {sorted(direct ^ set(wanted))}; run deploy/lock-requirements.sh"
    )


@pytest.mark.parametrize("lock", [LOCK, BUILD_LOCK], ids=lambda p: p.name)
def test_every_locked_requirement_has_hashes(lock):
    entries = lock_entries(lock)
    assert entries and all(e["hashes"] for e in entries), [e["name"] for e in entries if not e["hashes"]]


def test_build_lock_satisfies_the_build_system():
    pinned = {e["name"]: e["version"] for e in lock_entries(BUILD_LOCK)}
    for req in map(Requirement, PYPROJECT["build-system"]["requires"]):
        assert pinned.get(canonicalize_name(req.name)) in req.specifier, f"{req} vs {pinned}"


def test_lock_parser_rejects_an_unhashed_or_unpinned_line(tmp_path):
    bad = tmp_path / "requirements.lock"
    bad.write_text("requests>=2\n")
    with pytest.raises(AssertionError, match="not a pinned, hashed requirement"):
        lock_entries(bad)


def test_image_installs_from_the_locks_with_hashes_then_the_project_without_deps():
    runs = " ".join(instructions("RUN"))
    assert "--require-hashes -r requirements.lock -r requirements-build.lock" in runs
    assert re.search(r"pip install [^&]*--no-deps --no-build-isolation \.", runs)
    copied = {src for args in instructions("COPY") for src in args.split()[:-1]}
    assert {"requirements.lock", "requirements-build.lock"} <= copied


# --- .dockerignore: the build context is exactly what the Dockerfile copies -------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str], str]]:
    """(is_exception, regex, cleaned pattern) per line, as Docker's patternmatcher reads them."""
    patterns = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**", i):
                i += 2 + pattern.startswith("/", i + 2)
                regex += ".*" if i >= len(pattern) else "(?:.*/)?"
                continue
            c = pattern[i]
            regex += {"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c))
            if c == "[":
                end = pattern.index("]", i)
                regex = regex[:-2] + pattern[i : end + 1]
                i = end
            i += 1
        patterns.append((exception, re.compile(regex + r"\Z"), pattern))
    return patterns


def excluded(path: str, patterns: list[tuple[bool, re.Pattern[str], str]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for exception, regex, _ in patterns:
        if any(regex.match(p) for p in prefixes):
            verdict = not exception
    return verdict


def build_context(root: Path) -> dict[str, int]:
    """Files (relative path -> size) that ``docker build`` sends from ``root``, pruning like the CLI."""
    patterns = dockerignore_patterns()
    sent: dict[str, int] = {}
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        rel = "" if rel == "." else rel + "/"
        # An excluded folder is skipped unless an exception pattern lies under it.
        dirs[:] = [
            d
            for d in dirs
            if not excluded(rel + d, patterns)
            or any(exc and (p == rel + d or p.startswith(rel + d + "/")) for exc, _, p in patterns)
        ]
        for f in files:
            if not excluded(rel + f, patterns):
                sent[rel + f] = (Path(folder) / f).stat().st_size
    return sent


def test_dockerignore_matcher_follows_docker_rules():
    patterns = dockerignore_patterns()
    assert excluded(".venv/lib/python3.11/site.py", patterns)
    assert excluded("tests/resolver/test_dockerfile.py", patterns)
    assert not excluded("catalog/store.py", patterns)
    assert excluded("catalog/__pycache__/store.cpython-311.pyc", patterns)
    assert excluded("resolver/cli/__pycache__", patterns)


def test_build_context_is_only_what_the_dockerfile_copies():
    context = build_context(ROOT)
    copied = {src for args in instructions("COPY") for src in args.split()[:-1]}
    wanted: set[str] = set()
    for src in copied:
        if (ROOT / src).is_dir():
            wanted |= {
                p.relative_to(ROOT).as_posix()
                for p in (ROOT / src).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith((".pyc", ".pyo"))
            }
        else:
            wanted.add(src)
    assert set(context) == wanted, {
        "sent but not copied": sorted(set(context) - wanted)[:20],
        "copied but not sent": sorted(wanted - set(context))[:20],
    }
