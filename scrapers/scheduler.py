"""Run a refresh job in a loop, for places without a scheduler (``smcat refresh --every 6h``).

The loop runs the job, then waits ``interval`` give or take ``jitter`` (a share of the interval,
so a fleet started together spreads out). After a failed run (a refused refresh or an exception)
it retries sooner, with exponential backoff starting at ``interval / 8`` (at most 5 minutes) and
capped at the interval; one success resets it. Setting ``stop`` ends the loop: a wait is cut
short at once, a run in progress finishes first. An exception in the job is logged and reported,
never fatal. Time, sleep and randomness are injected so the tests run on a fake clock.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from smcat.catalog.times import parse_duration

__all__ = ["Run", "backoff_delay", "next_delay", "parse_interval", "run_every"]

log = logging.getLogger(__name__)

MIN_FIRST_BACKOFF = 1.0
MAX_FIRST_BACKOFF = 300.0


def parse_interval(text: str) -> float:
    """``"6h"``, ``"30m"`` (minutes), ``"90s"``, ``"1d"`` or a bare number of seconds -> seconds (> 0),
    in ``smcat.catalog.times``'s one duration grammar."""
    seconds = parse_duration(text, bare_unit="s", what="interval", examples="90s, 30m, 6h, 1d")
    if seconds <= 0:
        raise ValueError(f"Invalid interval: {text!r}. It must be longer than zero.")
    return seconds


@dataclass(frozen=True, slots=True)
class Run:
    """One run of the job: its number, result (or error), and the wait chosen before the next."""

    number: int
    ok: bool
    result: object = None
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0
    next_delay: float | None = None  # None when the loop stops after this run


def next_delay(interval: float, jitter: float, rng: random.Random) -> float:
    """``interval`` spread uniformly by ``± jitter * interval`` (never negative)."""
    return max(0.0, interval * (1 + rng.uniform(-jitter, jitter)))


def backoff_delay(interval: float, failures: int, max_backoff: float | None = None) -> float:
    """The wait after ``failures`` (>= 1) consecutive failures: doubling from a first step of
    ``interval / 8`` (between 1 s and 5 min), capped at ``max_backoff`` (default the interval)."""
    cap = interval if max_backoff is None else min(max_backoff, interval)
    first = min(max(interval / 8, MIN_FIRST_BACKOFF), MAX_FIRST_BACKOFF, cap)
    return min(first * 2.0 ** (failures - 1), cap)


def _ok(result: object) -> bool:
    ok = getattr(result, "ok", None)
    return bool(result) if ok is None else bool(ok)


def run_every(
    job: Callable[[], object],
    interval: float,
    *,
    jitter: float = 0.1,
    max_backoff: float | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], object] | None = None,
    rng: random.Random | None = None,
    on_result: Callable[[Run], None] | None = None,
    max_runs: int | None = None,
) -> list[Run]:
    """Run ``job`` every ``interval`` seconds until ``stop`` is set or ``max_runs`` runs are done.

    A run is a success when the job's result has a true ``ok`` (a ``RefreshReport``) or, lacking
    that attribute, is truthy. ``sleep(seconds)`` defaults to ``stop.wait`` (interruptible).
    Returns the runs, newest last (every one was also passed to ``on_result``).
    """
    import time

    if interval <= 0:
        raise ValueError(f"Invalid interval: {interval!r} seconds. It must be longer than zero.")
    if not 0 <= jitter < 1:
        raise ValueError(f"Invalid jitter: {jitter!r}. Use a share of the interval in [0, 1), e.g. 0.1.")
    stop = stop or threading.Event()
    clock = clock or time.monotonic
    sleep = sleep or stop.wait
    rng = rng or random.Random()
    runs: list[Run] = []
    failures = 0
    while not stop.is_set():
        number = len(runs) + 1
        started = clock()
        try:
            result, error = job(), None
        except Exception as e:  # the loop survives any failure of one run
            log.exception("scheduled run %d failed", number)
            result, error = None, e
        ok = error is None and _ok(result)
        failures = 0 if ok else failures + 1
        last = stop.is_set() or (max_runs is not None and number >= max_runs)
        if last:
            delay = None
        elif ok:
            delay = next_delay(interval, jitter, rng)
        else:
            delay = backoff_delay(interval, failures, max_backoff)
        run = Run(number, ok, result, error, started, clock(), delay)
        runs.append(run)
        if on_result is not None:
            try:
                on_result(run)
            except Exception:
                log.exception("reporting scheduled run %d failed", number)
        if delay is None:
            break
        sleep(delay)
    return runs
