"""Benchmark ``GET /image`` under a loopback load generator against a trivial FastAPI endpoint.

    python bench/bench_http.py [--seconds 10] [--connections 32] [--threads 1] [--mw-connections 4]

Both apps run with the same settings (one uvicorn worker, no access log) on 127.0.0.1 and are
loaded with ``wrk`` (Debian package ``wrk``) in the same run. Targets (issue 5): ``/image``
reaches >= 80 % of the baseline's requests/s, and its p99 at 32 connections stays within
1.25x of the baseline's p99.

Multi-worker case (issue 9): ``/image`` with two worker processes, as the Dockerfile runs it,
at ``--mw-connections`` keep-alive connections: plain ``uvicorn --workers 2`` (accepted sockets
lose TCP_NODELAY, so answers wait ~40 ms on delayed ACKs) next to ``smcat serve --workers 2``
(which sets it). Prints figures; asserts nothing. Traffic stays on loopback and each run is
bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
QUERY = "/image?framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, factory: bool, workers: int = 1) -> tuple[subprocess.Popen, int]:
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
    proc = subprocess.Popen(cmd, cwd=HERE, env={**os.environ, "PYTHONPATH": f"{HERE}:{HERE / 'bench'}"})
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app} did not start")


def wrk(url: str, seconds: int, connections: int, threads: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mw-connections", type=int, default=4, help="connections for the multi-worker case")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    results = {}
    for name, app, factory, path in (
        ("trivial async endpoint", "trivial_app:app", False, "/ping"),
        ("GET /image", "resolver.app:create_app", True, QUERY),
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
        ("uvicorn --workers 2", "resolver.app:create_app", True),
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
