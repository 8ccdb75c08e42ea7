"""The refresh loop on a fake clock: intervals, jitter, backoff, stop, surviving exceptions."""

from __future__ import annotations

import random
import threading
import time
from types import SimpleNamespace

import pytest

from smcat.scrapers.scheduler import backoff_delay, parse_interval, run_every

H = 3600.0


class FakeTime:
    """A clock that only moves when the loop sleeps; records every sleep."""

    def __init__(self, stop: threading.Event | None = None, stop_after: int | None = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.stop = stop
        self.stop_after = stop_after

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.stop is not None and self.stop_after is not None and len(self.sleeps) >= self.stop_after:
            self.stop.set()


def report(ok: bool) -> SimpleNamespace:
    return SimpleNamespace(ok=ok, outcome="published" if ok else "refused")


def scripted(*outcomes):
    """A job returning (or raising) each outcome in turn: True/False -> report, Exception -> raised."""
    it = iter(outcomes)

    def job():
        o = next(it)
        if isinstance(o, BaseException):
            raise o
        return report(o)

    return job


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("6h", 6 * H),
        ("30m", 1800),
        ("90s", 90),
        ("1d", 86400),
        ("45", 45),  # bare seconds
        ("1.5h", 5400),  # fractions
        (" 2H ", 7200),  # case and spaces
    ],
)
def test_parse_interval(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "6x", "-1h", "0m", "six hours", "6h30m"])
def test_parse_interval_errors_name_the_input_and_the_format(text):
    with pytest.raises(ValueError, match="Invalid interval") as e:
        parse_interval(text)
    assert repr(text) in str(e.value)


def test_runs_every_interval_with_no_jitter():
    ft = FakeTime()
    runs = run_every(scripted(True, True, True), H, jitter=0, clock=ft.clock, sleep=ft.sleep, max_runs=3)
    assert [r.number for r in runs] == [1, 2, 3]
    assert ft.sleeps == [H, H]  # no wait after the last run
    assert [r.started for r in runs] == [0, H, 2 * H]
    assert runs[-1].next_delay is None


def test_jitter_stays_within_bounds_and_varies():
    ft = FakeTime()
    run_every(
        lambda: report(True),
        H,
        jitter=0.1,
        clock=ft.clock,
        sleep=ft.sleep,
        rng=random.Random(7),
        max_runs=200,
    )
    assert all(0.9 * H <= s <= 1.1 * H for s in ft.sleeps)
    assert len(set(ft.sleeps)) > 100  # spread, not constant
    assert min(ft.sleeps) < 0.95 * H and max(ft.sleeps) > 1.05 * H


def test_backoff_grows_caps_and_resets_after_success():
    ft = FakeTime()
    outcomes = [False, False, False, False, False, True, False, True]
    runs = run_every(
        scripted(*outcomes), 8 * H, jitter=0, clock=ft.clock, sleep=ft.sleep, max_runs=len(outcomes)
    )
    first = 300.0  # interval / 8 = 1 h, capped at 5 min
    assert ft.sleeps == [first, 2 * first, 4 * first, 8 * first, 16 * first, 8 * H, first]
    assert [r.ok for r in runs] == outcomes


@pytest.mark.parametrize(
    "interval, failures, max_backoff, delay",
    [
        (80, 1, None, 10),  # interval / 8
        (80, 3, None, 40),  # doubling
        (80, 5, None, 80),  # capped at the interval
        (4, 1, None, 1),  # never below one second
        (6 * H, 1, None, 300),  # never above five minutes for the first step
        (6 * H, 20, None, 6 * H),  # many failures: at most the interval
        (6 * H, 20, 1800, 1800),  # max_backoff caps lower
    ],
)
def test_backoff_delay(interval, failures, max_backoff, delay):
    assert backoff_delay(interval, failures, max_backoff) == delay


def test_an_exception_is_reported_and_the_loop_goes_on(caplog):
    ft = FakeTime()
    seen = []
    runs = run_every(
        scripted(RuntimeError("network down"), True),
        H,
        jitter=0,
        clock=ft.clock,
        sleep=ft.sleep,
        on_result=seen.append,
        max_runs=2,
    )
    assert [r.ok for r in runs] == [False, True]
    assert isinstance(runs[0].error, RuntimeError) and runs[0].result is None
    assert seen == runs
    assert "scheduled run 1 failed" in caplog.text
    assert ft.sleeps == [300.0]  # backoff, not the full interval


def test_a_failing_reporter_does_not_stop_the_loop():
    ft = FakeTime()

    def bad_reporter(run):
        raise OSError("stdout closed")

    runs = run_every(
        scripted(True, True), H, clock=ft.clock, sleep=ft.sleep, on_result=bad_reporter, max_runs=2
    )
    assert len(runs) == 2


def test_stop_during_wait_ends_the_loop():
    stop = threading.Event()
    ft = FakeTime(stop, stop_after=2)
    runs = run_every(lambda: report(True), H, stop=stop, clock=ft.clock, sleep=ft.sleep)
    assert len(runs) == 2 and len(ft.sleeps) == 2


def test_stop_during_a_run_lets_it_finish_then_stops_without_waiting():
    stop = threading.Event()
    ft = FakeTime()
    calls = []

    def job():
        calls.append(1)
        stop.set()  # SIGTERM arrives mid-run
        return report(True)

    runs = run_every(job, H, stop=stop, clock=ft.clock, sleep=ft.sleep)
    assert len(calls) == 1 and runs[0].ok and runs[0].next_delay is None
    assert ft.sleeps == []


def test_already_stopped_runs_nothing():
    stop = threading.Event()
    stop.set()
    assert run_every(lambda: report(True), H, stop=stop) == []


def test_the_default_wait_is_interruptible():
    """The real ``stop.wait``: a stop from another thread cuts an hour's wait short."""
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    t0 = time.monotonic()
    runs = run_every(lambda: report(True), H, stop=stop)
    assert len(runs) == 1 and time.monotonic() - t0 < 5


def test_results_without_ok_count_by_truthiness():
    ft = FakeTime()
    runs = run_every(iter([0, 1]).__next__, H, jitter=0, clock=ft.clock, sleep=ft.sleep, max_runs=2)
    assert [r.ok for r in runs] == [False, True]


@pytest.mark.parametrize("kw", [{"interval": 0}, {"interval": -5}, {"interval": 60, "jitter": 1.5}])
def test_bad_arguments(kw):
    with pytest.raises(ValueError, match="Invalid"):
        run_every(lambda: report(True), **kw)
