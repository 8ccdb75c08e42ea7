"""Pacing: inside ``paced()`` the long loops sleep now and then; outside, ``tick()`` does nothing."""

from __future__ import annotations

import threading
import types

import pytest

from smcat.catalog import pacing


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """Every sleep pacing asks for (thread name, seconds), none actually slept."""
    asked: list[tuple[str, float]] = []
    clock = types.SimpleNamespace(sleep=lambda s: asked.append((threading.current_thread().name, s)))
    monkeypatch.setattr(pacing, "time", clock)  # the stdlib clock pacing sleeps on, not smcat code
    return asked


def test_ticks_sleep_only_inside_paced_and_only_in_that_thread(sleeps):
    for _ in range(1_000):
        pacing.tick()
    assert sleeps == []

    def elsewhere() -> None:
        for _ in range(1_000):
            pacing.tick()

    with pacing.paced(every=100, pause=0.002):
        for _ in range(1_000):
            pacing.tick()
        th = threading.Thread(target=elsewhere, name="other")
        th.start()
        th.join()
    assert sleeps == [(threading.current_thread().name, 0.002)] * 10  # none in the other thread
    assert pacing._active == 0 and getattr(pacing._local, "state", None) is None


def test_a_paced_load_gives_way_but_gives_the_same_catalogue(sleeps):
    from smcat.catalog import snapshot_io
    from smcat.catalog.resolve import prepare_index, resolve
    from smcat.catalog.store import open_store, shipped_dir

    store = open_store(shipped_dir(), with_shipped=False)
    vid = store.current_id()
    text = (shipped_dir() / "snapshots" / f"{vid}.json").read_text()
    with pacing.paced():
        paced = snapshot_io.loads(text, incremental=True)
        prepare_index(paced)
    assert len(sleeps) > 30  # parse, summary, index and records each gave way
    plain = snapshot_io.loads(text)
    assert paced == plain
    args = ("pytorch", "2.6", "eu-west-1")
    assert resolve(*args, snapshot=paced).to_dict() == resolve(*args, snapshot=plain).to_dict()
