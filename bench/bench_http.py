"""Benchmark ``GET /image`` under a loopback load generator against a trivial FastAPI endpoint.

    python bench/bench_http.py [--seconds 10] [--connections 32] [--threads 1] [--mw-connections 4]
                               [--only rotating|single]

Both apps run with the same settings (one uvicorn worker, no access log) on 127.0.0.1 and are
loaded with ``wrk`` (Debian package ``wrk``) in the same run.

Rotating queries (issue 10): ``wrk`` cycles through 20,000 distinct valid ``/image`` queries (a
Lua script), more than the answer cache holds, so no request is an answer-cache hit (a 5 s
warm-up asks each at least once first: a running server's steady state, where the per-image
answer pieces exist; the warm-up's first 3 s are printed too, the cold start); the
ceiling is a bare FastAPI endpoint answering a body of the same mean size (``trivial_app.py``
``/sized``) under the same paths. Then the same with 30 % no-match queries (versions that do
not exist, each distinct). Targets: >= 80 % of the ceiling's requests/s and p99 <= 1.25x for
valid queries; >= 70 % with the no-match mix. Each server's CPU time per request (``/proc``) is
printed beside it: on a shared machine it moves far less than requests/s between runs.

Single query (issue 5): one repeated query (answer-cache hits) against ``/ping``. Targets:
``/image`` reaches >= 80 % of the baseline's requests/s, and its p99 at 32 connections stays
within 1.25x of the baseline's p99.

Multi-worker case (issue 9): ``/image`` with two worker processes, as the Dockerfile runs it,
at ``--mw-connections`` keep-alive connections: plain ``uvicorn --workers 2`` (accepted sockets
lose TCP_NODELAY, so answers wait ~40 ms on delayed ACKs) next to ``smcat serve --workers 2``
(which sets it). Prints figures; asserts nothing. Traffic stays on loopback and each run is
bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

HERE = Path(__file__).resolve().parents[1]
ROTATE_LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""
QUERY = "/image?framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rotating_queries(n: int, no_match: float, seed: int = 10) -> tuple[list[str], int]:
    """``n`` distinct ``/image`` query strings (``no_match`` of them asking versions that do not
    exist), checked in-process, and the mean size of their answers in bytes."""
    from smcat.catalog.errors import NoMatch
    from smcat.catalog.resolve import resolve
    from smcat.catalog.store import open_store

    snap = open_store(Path("/nonexistent-smcat-bench-store")).load()
    rng = random.Random(seed)
    records = [
        r for r in snap.images if r.tags and (r.accounts or snap.registries.get(r.registry_family or ""))
    ]
    good: dict[str, int] = {}
    bad: dict[str, int] = {}
    want_bad = int(n * no_match)
    while len(good) < n - want_bad or len(bad) < want_bad:
        r = rng.choice(records)
        regions = sorted(r.accounts or snap.registries[r.registry_family])
        q = {"framework": r.framework, "version": r.version, "region": rng.choice(regions)}
        if rng.random() < 0.5:
            q["processor"] = r.processor
        if r.image_scope != "inference":
            q["image_scope"] = r.image_scope
        missing = len(bad) < want_bad and rng.random() < no_match * 1.5
        if missing:
            q["version"] = f"{r.version.split('.')[0]}.{rng.randrange(200, 10**6)}.7"
        kw = dict(q)
        try:
            res = resolve(kw.pop("framework"), kw.pop("version"), kw.pop("region"), snapshot=snap, **kw)
            body = json.dumps(res.to_dict(), separators=(",", ":"))
        except NoMatch as e:
            if not missing:
                continue
            body = json.dumps({"detail": str(e), "suggestions": e.suggestions}, separators=(",", ":"))
        except Exception:
            continue
        path = "?" + urllib.parse.urlencode(q)
        (bad if missing else good)[path] = len(body)
    paths = list(good) + list(bad)
    rng.shuffle(paths)
    sizes = list(good.values()) + list(bad.values())
    return paths, sum(sizes) // len(sizes)


def start(app: str, factory: bool, workers: int = 1, env: dict | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        cmd.append("--factory")
    if app == "smcat serve":
        smcat = str(Path(sys.executable).parent / "smcat")
        cmd = [smcat, "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        cmd, cwd=HERE, env={**os.environ, **(env or {}), "PYTHONPATH": f"{HERE}:{HERE / 'bench'}"}
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str, seconds: int, connections: int, threads: int, script: str | None = None, env: dict | None = None
) -> tuple[float, float]:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, percentile(out, 99)


def percentile(wrk_out: str, p: int) -> float:
    """The ``p``th latency percentile wrk printed (``--latency``), in ms."""
    m = re.search(rf"\b{p}%\s+([\d.]+)(us|ms|s)", wrk_out)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mw-connections", type=int, default=4, help="connections for the multi-worker case")
    ap.add_argument("--only", choices=["rotating", "single"], help="run one part only")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    if args.only != "single":
        rotating(args)
    if args.only != "rotating":
        single(args)


def rotating(args) -> None:
    """20,000 rotating queries (valid, then 30 % no-match) against a same-size-body ceiling."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "rotate.lua"
        script.write_text(ROTATE_LUA)
        for label, no_match, target in (("valid", 0.0, 0.80), ("30 % no-match", 0.3, 0.70)):
            paths, size = rotating_queries(20_000, no_match)
            files = {}
            for prefix in ("/image", "/sized"):
                files[prefix] = Path(tmp) / f"paths{prefix.replace('/', '-')}.txt"
                files[prefix].write_text("".join(prefix + p + "\n" for p in paths))
            res, cpu, first = {}, {}, {}
            for name, app, factory, prefix in (
                ("ceiling /sized", "trivial_app:app", False, "/sized"),
                ("GET /image", "smcat.service.app:create_app", True, "/image"),
            ):
                proc, port = start(app, factory, env={"BENCH_BODY_BYTES": str(size)})
                try:
                    lua_env = {"BENCH_PATHS": str(files[prefix])}
                    url = f"http://127.0.0.1:{port}"
                    # warm-up: every query asked at least once (the steady state a running server
                    # is in); the cold first pass is measured on its own, as `first pass`
                    first[name] = wrk(url, 3, args.connections, args.threads, str(script), lua_env)
                    wrk(url, 2, args.connections, args.threads, str(script), lua_env)
                    cpu0 = cpu_seconds(proc.pid)
                    res[name] = wrk(url, args.seconds, args.connections, args.threads, str(script), lua_env)
                    cpu[name] = (cpu_seconds(proc.pid) - cpu0) / (res[name][0] * args.seconds)
                finally:
                    proc.terminate()
                    proc.wait(timeout=10)
            print(
                f"rotating 20,000 {label} queries (mean answer {size} bytes), {args.connections} connections:"
            )
            for name, (rps, p99) in res.items():
                us = cpu[name] * 1e6
                print(f"  {name:18} {rps:9.0f} req/s   p99 {p99:6.2f} ms   server CPU {us:5.0f} us/req")
            (c_rps, c_p99), (i_rps, i_p99) = res.values()
            cold, cold_ceiling = first["GET /image"][1], first["ceiling /sized"][1]
            print(
                f"  first 3 s on a fresh server (cold answer pieces): /image p99 {cold:.2f} ms "
                f"= {cold / cold_ceiling:.2f}x the ceiling's"
            )
            c_cpu, i_cpu = cpu.values()
            print(
                f"  /image = {i_rps / c_rps:.0%} of the ceiling's throughput (target >= {target:.0%}); "
                f"p99 = {i_p99 / c_p99:.2f}x the ceiling's" + (" (target <= 1.25x)" if not no_match else "")
            )
            print(
                f"  server CPU per request: /image {i_cpu / c_cpu:.2f}x the ceiling's "
                f"(throughput bound {c_cpu / i_cpu:.0%}; steadier than req/s on a shared machine)"
            )


def single(args) -> None:
    """One repeated query against /ping, then the multi-worker case."""
    results = {}
    for name, app, factory, path in (
        ("trivial async endpoint", "trivial_app:app", False, "/ping"),
        ("GET /image", "smcat.service.app:create_app", True, QUERY),
    ):
        results[name] = run_case(app, factory, path, 1, args.connections, args)
    (b_rps, b_p99), (i_rps, i_p99) = results.values()
    for name, (rps, p99) in results.items():
        print(f"{name:24} {rps:9.0f} req/s   p99 {p99:6.2f} ms   ({args.connections} connections, 1 worker)")
    print(
        f"/image throughput = {i_rps / b_rps:.0%} of the baseline (target >= 80 %); "
        f"p99 = {i_p99 / b_p99:.2f}x the baseline's (target <= 1.25x)"
    )
    print(f"multi-worker: GET /image, 2 workers, {args.mw_connections} keep-alive connections")
    for name, app, factory in (
        ("uvicorn --workers 2", "smcat.service.app:create_app", True),
        ("smcat serve --workers 2", "smcat serve", False),
    ):
        rps, p99 = run_case(app, factory, QUERY, 2, args.mw_connections, args)
        print(f"  {name:24} {rps:9.0f} req/s   p99 {p99:6.2f} ms")


def run_case(app: str, factory: bool, path: str, workers: int, connections: int, args) -> tuple[float, float]:
    """(requests/s, p99 ms) of ``path`` on a fresh server, after a 2 s warm-up."""
    proc, port = start(app, factory, workers)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        wrk(url, 2, connections, args.threads)  # warm-up
        return wrk(url, args.seconds, connections, args.threads)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
