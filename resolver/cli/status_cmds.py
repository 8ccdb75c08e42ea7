"""``smcat catalog status`` and ``smcat catalog eol``: how fresh the catalogue is, what nears end of patch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import click

from smcat.catalog.plural import plural
from smcat.catalog.times import DURATION_UNITS, age_seconds, parse_duration
from smcat.cli.options import catalog_option, json_option
from smcat.cli.output import console, emit_json, table
from smcat.storage import open_any_store as open_store

__all__ = ["parse_within", "register"]

_catalog_opt = catalog_option()
_json_opt = json_option()
_WITHIN_EXAMPLES = "90d, 12w, 6mo, 1y or a number of days"
_DAY = DURATION_UNITS["d"]


def parse_within(value: str) -> int:
    """``90d``, ``12w``, ``6mo`` (30-day months), ``1y`` or a bare number of days -> whole days.

    ``smcat.catalog.times``'s grammar, where ``m`` is minutes: ``6m`` (six months here before that
    grammar was shared) is refused, naming ``6mo``, rather than read as six minutes."""
    seconds = parse_duration(value, bare_unit="d", examples=_WITHIN_EXAMPLES)
    if seconds % _DAY:
        raise ValueError(
            f"Invalid duration: {value!r} is not a whole number of days"
            f" (m is minutes, mo months). Use e.g. {_WITHIN_EXAMPLES}."
        )
    return int(seconds // _DAY)


# click >= 8.2 makes ParamType generic; subscripting it here would fail at run time on click 8.1.
class _Within(click.ParamType):  # type: ignore[type-arg]
    name = "DURATION"

    def convert(self, value: str | int, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_within(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _age(iso: str | None, now: datetime) -> str | None:
    """A human age (``3h``, ``2d 4h``) of an ISO time, or None."""
    seconds = age_seconds(iso, now)
    if seconds is None:
        return None
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, days = minutes // 60, minutes // (60 * 24)
    return f"{hours}h" if days == 0 else f"{days}d {hours % 24}h"


@click.command()
@_catalog_opt
@_json_opt
def status(catalog_dir: str | None, as_json: bool) -> None:
    """Per-source freshness (last attempt, success, change, failure) and the current version's age."""
    store = open_store(catalog_dir)
    snap = store.load()
    st = store.status()
    now = datetime.now(UTC)
    recorded = st.get("sources", {})
    names = sorted(set(snap.sources) | set(recorded))
    sources: dict[str, dict[str, Any]] = {
        n: {
            "fetched_at": snap.sources.get(n, {}).get("fetched_at"),
            **{k: recorded.get(n, {}).get(k) for k in ("last_attempt", "last_success", "last_change")},
            "last_status": recorded.get(n, {}).get("last_status"),
            "error": recorded.get(n, {}).get("error"),
        }
        for n in names
    }
    data: dict[str, Any] = {
        "catalog": store.location,
        "current": snap.id,
        "created_at": snap.created_at,
        "age": _age(snap.created_at, now),
        "images": len(snap.images),
        "last_refresh": st.get("last_refresh"),
        "last_successful_refresh": st.get("last_successful_refresh"),
        "sources": sources,
    }
    if as_json:
        emit_json(data)
        return
    console.print(
        f"catalogue {data['catalog']}: current version {snap.id} (created {snap.created_at}, "
        f"{data['age']} ago), {plural(len(snap.images), 'image')}"
    )
    last = st.get("last_refresh")
    if last:
        console.print(
            f"last refresh {last.get('at')}: {last.get('outcome')}"
            + (f" ({last.get('reason')})" if last.get("reason") else "")
        )
        console.print(f"last successful refresh: {st.get('last_successful_refresh') or 'never'}")
    else:
        console.print("no refresh has run into this catalogue yet (see 'smcat refresh')")
    rows = [
        [
            n,
            s["last_status"] or "-",
            s["last_attempt"],
            s["last_success"],
            s["last_change"],
            s["fetched_at"],
            s["error"] or "",
        ]
        for n, s in sources.items()
    ]
    console.print(
        table(
            "sources",
            ["source", "status", "last attempt", "last success", "last change", "in current", "error"],
            rows,
        )
    )


@click.command()
@click.option(
    "--within",
    type=_Within(),
    default="90d",
    show_default=True,
    help="Also list images reaching end of patch within this time: 90d, 12w, 6mo, 1y or days.",
)
@click.option("--framework", help="Only images of this framework (aliases like keras, torch work).")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Report as of this date (default: today, UTC).",
)
@_catalog_opt
@_json_opt
def eol(
    within: int, framework: str | None, today: datetime | None, catalog_dir: str | None, as_json: bool
) -> None:
    """List images past their end of patch, or reaching it soon, with the newest supported successor."""
    from smcat.catalog.lifecycle import eol_report
    from smcat.catalog.names import canonical_framework

    snap = open_store(catalog_dir).load()
    day: date = today.date() if today else datetime.now(UTC).date()
    fw = canonical_framework(framework) if framework else None
    rows = eol_report(snap, today=day, within_days=within, framework=fw)
    if as_json:
        emit_json(
            {"catalog_version": snap.id, "today": day.isoformat(), "within_days": within, "images": rows}
        )
        return
    past = sum(r["status"] == "past" for r in rows)
    console.print(
        f"{plural(past, 'image')} past end of patch, {len(rows) - past} reaching it within "
        f"{plural(within, 'day')} "
        f"(as of {day}, catalogue {snap.id})"
    )
    if not rows:
        return
    console.print(
        table(
            None,
            [
                "",
                "framework",
                "version",
                "scope",
                "proc",
                "repository",
                "tag",
                "ga",
                "eop",
                "days",
                "successor",
            ],
            [
                [
                    r["status"],
                    r["framework"],
                    r["version"],
                    r["scope"],
                    r["processor"],
                    r["repository"],
                    r["tag"],
                    r["ga"],
                    r["eop"],
                    r["days_left"],
                    f"{r['successor']['version']} ({r['successor']['tag']})" if r["successor"] else "none",
                ]
                for r in rows
            ],
        )
    )


def register(catalog_group: click.Group) -> None:
    """Add ``status`` and ``eol`` to the ``smcat catalog`` group."""
    for cmd in (status, eol):
        catalog_group.add_command(cmd)
