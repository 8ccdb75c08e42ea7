"""Benchmark ``GET /image`` latency while the service swaps in new catalogue versions, at 1x and 10x.

    python bench/bench_swap.py [--seconds 10] [--swaps 4] [--connections 16]

The service (one uvicorn worker, ``SMCAT_RELOAD_SECONDS=0.2``) serves a temporary store; ``wrk``
cycles through 2,000 rotating valid queries. First a steady run; then a run of the same length
during which a new version is published every ``seconds / swaps`` seconds (each one distinct, so
each is read, integrity-checked and indexed: in the poll thread, piecewise, then swapped in).
The 10x catalogue is ``synthetic.scaled``. Target (issue 10): p99 during swaps <= 2x the steady
p99 at both sizes. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from bench_http import ROTATE_LUA, rotating_queries, start, wrk
from synthetic import scaled, shipped, write_store

from smcat.catalog import snapshot_io

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def publish(store: Path, texts: list[tuple[str, str]], stop: threading.Event, every: float) -> None:
    """Publish each (id, text) in turn, every ``every`` seconds, as ``smcat refresh`` would (pointer last)."""
    for vid, text in texts:
        if stop.wait(every):
            return
        (store / "snapshots" / f"{vid}.json").write_text(text, "utf-8")
        tmpfile = store / ".CURRENT.tmp"
        tmpfile.write_text(vid + "\n")
        os.replace(tmpfile, store / "CURRENT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--swaps", type=int, default=4)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    paths, _ = rotating_queries(2000, 0.0)
    base = shipped()
    head = f"{'size':>5} {'images':>7} {'steady req/s':>13} {'steady p99':>11} {'swap req/s':>11}"
    print(head + f" {'swap p99':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "rotate.lua"
        lua.write_text(ROTATE_LUA)
        plist = Path(tmp) / "paths.txt"
        plist.write_text("".join("/image" + p + "\n" for p in paths))
        for factor in (1, 10):
            first = base if factor == 1 else scaled(base, factor)
            nexts = [scaled(base, factor, hours=h + 2) for h in range(args.swaps)]
            texts = [(s.id, snapshot_io.dumps(s)) for s in nexts]
            store = Path(tmp) / f"store{factor}"
            write_store(store, first)
            env = {
                "SMCAT_CATALOG": str(store),
                "SMCAT_RELOAD_SECONDS": "0.2",
                "AWS_DEFAULT_REGION": "us-east-1",
            }
            proc, port = start("smcat.service.app:create_app", True, env=env)
            try:
                url = f"http://127.0.0.1:{port}"
                lua_env = {"BENCH_PATHS": str(plist)}
                wrk(url, 2, args.connections, 1, str(lua), lua_env)  # warm-up
                steady = wrk(url, args.seconds, args.connections, 1, str(lua), lua_env)
                stop = threading.Event()
                every = args.seconds / (args.swaps + 1)
                t = threading.Thread(target=publish, args=(store, texts, stop, every))
                t.start()
                swapping = wrk(url, args.seconds, args.connections, 1, str(lua), lua_env)
                stop.set()
                t.join()
                time.sleep(0.5)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
            print(
                f"{factor:>4}x {len(first.images):>7} {steady[0]:>13.0f} {steady[1]:>9.1f}ms "
                f"{swapping[0]:>11.0f} {swapping[1]:>7.1f}ms {swapping[1] / steady[1]:>5.2f}x"
            )
    print("target: p99 during swaps <= 2x the steady p99, at 1x and 10x")


if __name__ == "__main__":
    main()
