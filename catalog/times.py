"""Time stamps as smcat writes them (ISO 8601, UTC, ``Z``) and reads them back, and durations as
people type them (``90s``, ``30m``, ``6h``, ``90d``, ``12w``, ``6mo``, ``1y``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["DURATION_UNITS", "age_seconds", "format_iso", "now_iso", "parse_duration", "parse_iso"]

_ISO_Z = "%Y-%m-%dT%H:%M:%SZ"

#: The one duration grammar: a number and a unit. ``m`` is minutes and ``mo`` months (30 days),
#: so ``6m`` means the same everywhere; months and years are calendar-free day counts.
DURATION_UNITS: dict[str, int] = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "mo": 30 * 86400,
    "y": 365 * 86400,
}
_UNIT_HELP = "s seconds, m minutes, h hours, d days, w weeks, mo 30-day months, y 365-day years"
_DURATION_RE = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]*)\s*$", re.IGNORECASE)


def format_iso(t: datetime) -> str:
    """``2026-11-24T20:46:01Z``: how smcat writes a time (``t`` aware, or naive UTC)."""
    return (t.astimezone(UTC) if t.tzinfo else t).strftime(_ISO_Z)


def now_iso() -> str:
    """The current time as smcat writes it (``2026-11-24T20:46:01Z``)."""
    return format_iso(datetime.now(UTC))


def parse_iso(iso: str | None) -> datetime | None:
    """An aware UTC datetime from ``2026-11-24T20:46:01Z`` (or a naive ISO time, taken as UTC); None if absent
    or malformed."""
    if not iso:
        return None
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def age_seconds(iso: str | None, now: datetime) -> float | None:
    """Seconds from ``iso`` to ``now``, or None when ``iso`` is absent or malformed."""
    t = parse_iso(iso)
    return None if t is None else (now - t).total_seconds()


def parse_duration(
    text: str, *, bare_unit: str, what: str = "duration", examples: str = "90s, 30m, 6h"
) -> float:
    """Seconds in ``text``: a number (fractions allowed) and a unit of ``DURATION_UNITS``, any case;
    a bare number counts in ``bare_unit``. Raises ValueError naming the input, the units and
    ``examples`` (``what`` names the thing: ``interval``, ``duration``)."""
    m = _DURATION_RE.match(str(text))
    unit = (m["unit"] or bare_unit).lower() if m else ""
    if m is None or unit not in DURATION_UNITS:
        raise ValueError(
            f"Invalid {what}: {text!r}. Use a number and a unit ({_UNIT_HELP}), e.g. {examples}."
        )
    return float(m["n"]) * DURATION_UNITS[unit]
