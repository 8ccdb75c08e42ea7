"""Replay issue 9's adversarial requests against a running ``smcat serve`` on loopback.

    python bench/bench_attack.py [--reps 20] [--queries 10000] [--workers 1]

Starts ``smcat serve`` on a free 127.0.0.1 port over a copy of the shipped catalogue (refresh
endpoint on, with a random token), then:

1. the normal p50 / p99 of ``GET /image`` (one keep-alive connection);
2. for each adversarial case (every request <= 16 kB), the worst latency over ``--reps``
   requests next to that p50 (target: worst <= 50 ms);
3. the worker's RSS before and after ``--queries`` distinct large queries (half valid-shaped
   queries near the per-value caps, which the answer cache may keep; half 16 kB junk, which it
   must not) (target: growth <= 50 MB).

Prints figures; asserts nothing. Every loop is bounded; traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from smcat.catalog.store import shipped_dir  # noqa: E402

NORMAL = "/image?framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"
KB16 = 16 * 1024


def q(**params: str) -> str:
    return "/image?" + urllib.parse.urlencode(params)


def cases(snapshot_id: str, token: str) -> list[tuple[str, str, dict]]:
    """(name, path, headers): each request line + headers stays <= 16 kB."""
    big = "a" * (KB16 - 200)
    pt, u, c, three = "pytorch", "u" * 128, "c" * 128, "3" * 128
    bearer = "/catalog/refresh/nope"
    return [
        ("version '1.'*8000+'!' (16 kB, the issue's repro)", q(framework=pt, version="1." * 8000 + "!"), {}),
        ("version of 4,301 digits (was a 500)", q(framework=pt, version="1" * 4301), {}),
        ("version '1.'*31+'!' (regex worst case, cap)", q(framework=pt, version="1." * 31 + "!"), {}),
        ("version 'v'+'1.'*30+'x!'", q(framework=pt, version="v" + "1." * 30 + "x!"), {}),
        ("specifier '>='+'1.'*30+'0'", q(framework=pt, version=">=" + "1." * 30 + "0"), {}),
        ("version of 64 digits (NoMatch + suggestions)", q(framework=pt, version="9" * 64), {}),
        ("framework of 16 kB", q(framework=big), {}),
        ("framework of 128 chars (fuzzy 'did you mean')", q(framework="tensorflo" + "w" * 119), {}),
        ("region of 128 chars", q(framework=pt, region="us-" + "a-" * 61 + "!"), {}),
        ("instance_type of 128 chars", q(framework=pt, instance_type="ml." + "p" * 124 + "!"), {}),
        ("os / cuda / py_version at the cap", q(framework=pt, os=u, cuda=c, py_version=three), {}),
        ("unknown parameter name of 16 kB", f"/image?framework=pytorch&{big}=1", {}),
        ("1,800 repeated parameters", "/image?framework=pytorch" + "&region=x" * 1800, {}),
        ("/frameworks/<16 kB>", "/frameworks/" + big, {}),
        ("/catalog/diff from=<16 kB>", "/catalog/diff?from=" + big, {}),
        ("/catalog/diff shipped..current", f"/catalog/diff?from={snapshot_id}&to=current", {}),
        ("/catalog/diff as markdown", f"/catalog/diff?from={snapshot_id}&format=markdown", {}),
        ("/catalog/versions", "/catalog/versions", {}),
        ("/healthz", "/healthz", {}),
        ("If-None-Match of 16 kB", NORMAL, {"If-None-Match": ", ".join(['W/"x"'] * 2300)}),
        ("Authorization: Bearer <16 kB>", bearer, {"Authorization": "Bearer " + big}),
        ("Authorization: right length, wrong token", bearer, {"Authorization": "Bearer " + "x" * len(token)}),
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, float]:
        for attempt in (0, 1):
            t0 = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=headers or {})
                resp = self.conn.getresponse()
                resp.read()
                return resp.status, (time.perf_counter() - t0) * 1000
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def start(workers: int, catalog: Path, token: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SMCAT_")},
        "AWS_EC2_METADATA_DISABLED": "true",
        "SMCAT_CATALOG": str(catalog),
        "SMCAT_REFRESH_ENABLED": "1",
        "SMCAT_ADMIN_TOKEN": token,
        "SMCAT_LOCK_DIR": str(catalog / "locks"),
    }
    smcat = str(Path(sys.executable).parent / "smcat")
    proc = subprocess.Popen([smcat, "serve", "--port", str(port), "--workers", str(workers)], env=env)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
            if Client(port).get("/healthz")[0] == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("smcat serve did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=20, help="requests per adversarial case")
    ap.add_argument("--queries", type=int, default=10000, help="distinct large queries for the RSS figure")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="smcat-attack-") as tmp:
        catalog = Path(tmp) / "catalog"
        shutil.copytree(shipped_dir() / "snapshots", catalog / "snapshots")
        shutil.copy(shipped_dir() / "CURRENT", catalog / "CURRENT")
        snapshot_id = (catalog / "CURRENT").read_text().strip()
        proc, port = start(args.workers, catalog, token)
        try:
            run(port, proc.pid if args.workers == 1 else None, snapshot_id, token, args)
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def run(port: int, pid: int | None, snapshot_id: str, token: str, args) -> None:
    c = Client(port)
    for _ in range(50):
        c.get(NORMAL)  # warm-up
    normal = sorted(c.get(NORMAL)[1] for _ in range(500))
    p50, p99 = statistics.median(normal), normal[int(len(normal) * 0.99) - 1]
    print(f"normal GET /image: p50 {p50:.2f} ms, p99 {p99:.2f} ms (500 requests, one keep-alive connection)")
    print(f"{'case':58} {'status':>6} {'median':>7} {'worst ms':>9} {'x p50':>7}")
    worst_all = 0.0
    for name, path, headers in cases(snapshot_id, token):
        size = len(path) + sum(len(k) + len(v) + 4 for k, v in headers.items())
        assert size <= KB16 + 64, (name, size)
        statuses, times = set(), []
        for _ in range(args.reps):
            status, ms = c.get(path, headers)
            statuses.add(status)
            times.append(ms)
        worst = max(times)
        worst_all = max(worst_all, worst)
        shown = "/".join(str(s) for s in sorted(statuses))
        print(f"{name:58} {shown:>6} {statistics.median(times):7.2f} {worst:9.2f} {worst / p50:7.1f}")
    print(f"worst case over all adversarial requests: {worst_all:.2f} ms (target <= 50 ms)")

    if pid is None:
        print("RSS: run with --workers 1 to measure one worker's memory")
        return
    before = rss_mb(pid)
    t0 = time.perf_counter()
    for i in range(args.queries):
        if i % 2:
            path = q(framework="pytorch", version=f"2.{i % 7}", cuda=f"cu{i}" + "0" * 120, os="u" * 120)
        else:
            path = f"/image?framework=pytorch&v{i}=" + "x" * (KB16 - 100)
        c.get(path)
    after = rss_mb(pid)
    print(
        f"RSS after {args.queries} distinct large queries ({time.perf_counter() - t0:.0f} s): "
        f"{before:.1f} MB -> {after:.1f} MB, growth {after - before:+.1f} MB (target <= 50 MB)"
    )


if __name__ == "__main__":
    main()
