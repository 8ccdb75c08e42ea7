"""The refresh lock after a crash (issue 9, item 11): a ``kill -9``'d holder blocks nothing.

The crash is real: a child process takes the lock through ``Store.lock()``, starts a write, and
is sent SIGKILL while it holds the lock. Another machine sharing the lock directory is played
by a ``RefreshLock`` built with another machine id.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from smcat.catalog.errors import RefreshRefused
from smcat.catalog.lock import RefreshLock, this_machine
from smcat.catalog.store import Store

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import os, sys, tempfile, time
    from smcat.catalog.store import Store

    root = sys.argv[1]
    with Store(root).lock():
        # a snapshot write in progress, as LocalLayer.write names its temp files
        os.makedirs(os.path.join(root, "snapshots"), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".20300101T000000Z-0123abcd.json.", suffix=".tmp",
                                   dir=os.path.join(root, "snapshots"))
        os.write(fd, b'{"format": "smcat-snapshot/1", "id": "2030')
        print("holding", tmp, flush=True)
        time.sleep(120)
    """
)


def start_holder(root: Path) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = proc.stdout.readline().split()
    assert line and line[0] == "holding", "the holder did not start"
    return proc, Path(line[1])


class TestCrashedRefresh:
    """Item 11: the holder is recorded; a gone holder is taken over; its debris is removed."""

    def test_a_kill_9_holder_is_taken_over_at_once_and_its_debris_removed(self, tmp_path):
        root = tmp_path / "catalog"
        proc, debris = start_holder(root)
        try:
            with pytest.raises(RefreshRefused) as e, Store(root).lock():
                pass
            msg = str(e.value)
            assert f"pid {proc.pid} on " in msg and "started 20" in msg and "last heartbeat" in msg
        finally:
            proc.kill()  # SIGKILL: no finally, no atexit, the lock record stays behind
            proc.wait(timeout=10)
        assert debris.exists()
        keep = root / "snapshots" / ".future.json.x.tmp"  # newer than the next holder: not its debris
        keep.write_text("{}")
        future = time.time() + 60
        os.utime(keep, (future, future))
        (root / "snapshots" / "notes.txt").write_text("kept")
        t0 = time.monotonic()
        with Store(root).lock() as lk:
            assert time.monotonic() - t0 < 5  # at once, not after an hour
            held, why = lk.taken_over
            assert held.pid == proc.pid and why == f"its process {proc.pid} is gone"
            assert lk.removed_debris == [f"snapshots/{debris.name}"]
        assert not debris.exists() and keep.exists() and (root / "snapshots" / "notes.txt").exists()
        with Store(root).lock() as lk:  # released normally: the next one takes it fresh
            assert lk.taken_over is None

    def test_another_hosts_holder_is_taken_over_only_when_its_heartbeat_is_stale(self, tmp_path):
        other = RefreshLock(tmp_path, machine="other-host|boot|pid:[1]", heartbeat_every=3600)
        other.acquire()  # it never beats again: a host that died, or lost the network
        mine = RefreshLock(tmp_path, stale_after=0.2)
        try:
            with pytest.raises(RefreshRefused, match="last heartbeat 0 s ago"), RefreshLock(tmp_path):
                pass  # fresh: the default limit (300 s) is far away
            time.sleep(0.4)
            mine.acquire()
            held, why = mine.taken_over
            assert held.machine == "other-host|boot|pid:[1]" and mine.machine == this_machine()
            assert why.startswith("no heartbeat from") and why.endswith("(limit 0.2 s)")
            other.release()  # no longer its lock: it must not free the new holder's
            with pytest.raises(RefreshRefused, match=f"pid {os.getpid()} on "), RefreshLock(tmp_path):
                pass
        finally:
            mine.release()
            other.release()

    def test_a_live_holder_elsewhere_keeps_the_lock_by_its_heartbeat(self, tmp_path):
        other = RefreshLock(tmp_path, machine="other-host|boot|pid:[1]", heartbeat_every=0.05)
        other.acquire()
        try:
            time.sleep(1.5)  # longer than the limit below: only the heartbeat keeps it
            with (
                pytest.raises(RefreshRefused, match="Another refresh"),
                RefreshLock(tmp_path, stale_after=1.0),
            ):
                pass
        finally:
            other.release()
        with RefreshLock(tmp_path, stale_after=1.0) as lk:  # released: free again
            assert lk.taken_over is None

    def test_a_recorded_pid_now_used_by_another_process_is_taken_over(self, tmp_path):
        import diskcache

        # a holder record whose pid is alive (this test's parent) but started at another time:
        # the holder died and its pid was reused
        now = time.time()
        record = dict(
            token="x", host="h", machine=this_machine(), pid=os.getppid(), pid_start="1",
            started_at=now, heartbeat=now,
        )  # fmt: skip
        with diskcache.Cache(str(tmp_path)) as cache:
            cache.set("refresh", record)
        with RefreshLock(tmp_path) as lk:
            assert lk.taken_over[1] == f"its pid {os.getppid()} now belongs to another process"

    def test_a_lock_left_by_an_older_smcat_is_respected(self, tmp_path):
        import diskcache

        with diskcache.Cache(str(tmp_path)) as cache:
            cache.add("refresh", "a-token", expire=3600)  # what smcat 0.1 wrote
        with pytest.raises(RefreshRefused, match="an older smcat"), RefreshLock(tmp_path):
            pass
