"""Time stamps as smcat writes them (ISO 8601, UTC, ``Z``) and reads them back."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["age_seconds", "parse_iso"]


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
