"""The one time format, duration grammar and cache path (smcat.catalog.times, smcat.catalog.paths)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from smcat.catalog.paths import cache_home, http_cache_dir
from smcat.catalog.times import format_iso, now_iso, parse_duration, parse_iso


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90s", 90),
        ("30m", 1800),  # m is minutes, everywhere
        ("6h", 6 * 3600),
        ("1d", 86400),
        ("2w", 14 * 86400),
        ("6mo", 180 * 86400),  # mo is 30-day months
        ("1y", 365 * 86400),
        ("1.5h", 5400),  # fractions
        (" 2MO ", 60 * 86400),  # case and blanks forgiven
        ("45", 45),  # a bare number counts in the caller's unit (seconds here)
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text, bare_unit="s") == seconds


def test_a_bare_number_counts_in_the_callers_unit():
    assert parse_duration("7", bare_unit="d") == 7 * 86400


@pytest.mark.parametrize("text", ["", "h", "6x", "6mon", "-1h", "6h30m", "six hours"])
def test_a_bad_duration_names_the_input_and_every_unit(text):
    with pytest.raises(ValueError) as e:
        parse_duration(text, bare_unit="s", what="interval", examples="90s, 30m")
    msg = str(e.value)
    assert msg.startswith(f"Invalid interval: {text!r}.")
    assert "m minutes" in msg and "mo 30-day months" in msg and "e.g. 90s, 30m" in msg


def test_times_are_written_one_way_and_read_back():
    t = datetime(2026, 11, 24, 20, 46, 1, 999, tzinfo=UTC)
    assert format_iso(t) == "2026-11-24T20:46:01Z"
    assert format_iso(t.astimezone(timezone(timedelta(hours=-5)))) == "2026-11-24T20:46:01Z"
    assert parse_iso(format_iso(t)) == t.replace(microsecond=0)
    before = datetime.now(UTC).replace(microsecond=0)
    assert before <= parse_iso(now_iso()) <= datetime.now(UTC)


def test_cache_path_follows_xdg_and_falls_back_to_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert http_cache_dir() == tmp_path / "smcat" / "http"
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # set but empty: the spec says use the default
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_home() == Path(tmp_path / "home" / ".cache" / "smcat")


def test_refresh_cache_dir_help_states_the_default_the_code_uses():
    from click.testing import CliRunner

    from smcat.cli import cli

    out = CliRunner().invoke(cli, ["refresh", "--help"], terminal_width=200).output
    assert "~/.cache/smcat/http" in out and "<catalog>/http-cache" not in out
