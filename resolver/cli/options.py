"""Options every ``smcat`` command shares, in one place: ``--catalog`` and ``--json``.

``--catalog`` (or ``$SMCAT_CATALOG``) names a catalogue the user chose, so a location that
does not exist is an error (exit 2) instead of silently meaning "the shipped snapshot only";
only a command that creates a catalogue (``smcat refresh``) accepts a new directory. A file
is never a catalogue. Without either, smcat uses its default directory, which may not exist
yet (the shipped snapshot is then served alone).
"""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

__all__ = ["JSON_META", "catalog_option", "check_catalog_location", "json_option", "wants_json"]

#: ``ctx.meta`` key set when ``--json`` was given: errors are then printed as JSON on stdout.
JSON_META = "smcat.json"

_CATALOG_HELP = (
    "Catalogue location: a directory or s3://bucket/prefix (default: $SMCAT_CATALOG or "
    "~/.local/share/smcat/catalog, overlaid on the snapshot shipped with smcat)."
)


def check_catalog_location(location: str | None, *, create: bool = False, origin: str = "--catalog") -> None:
    """Raise ``click.BadParameter`` when a named local catalogue is a file, or missing and not ``create``.

    ``s3://`` locations are checked when opened (that needs credentials and the network).
    """
    if not location or "://" in location or str(location).startswith("s3:/"):
        return
    root = Path(location).expanduser()
    if root.exists() and not root.is_dir():
        raise click.BadParameter(
            f"catalogue location {str(location)!r} (from {origin}) is a file, not a directory. "
            "Name a catalogue directory or s3://bucket/prefix."
        )
    if not root.exists() and not create:
        raise click.BadParameter(
            f"catalogue location {str(location)!r} (from {origin}) does not exist. Fix the path, "
            f"build a catalogue there with 'smcat refresh --catalog {location}', or "
            + ("unset SMCAT_CATALOG" if origin == "SMCAT_CATALOG" else "leave --catalog out")
            + " to use the default catalogue (over the snapshot shipped with smcat)."
        )


def _catalog_callback(create: bool):
    def check(ctx: click.Context, param: click.Parameter, value):
        if value is not None:
            from_env = ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT
            check_catalog_location(
                str(value), create=create, origin="SMCAT_CATALOG" if from_env else "--catalog"
            )
        return value

    return check


def catalog_option(*, create: bool = False):
    """``--catalog DIR|s3://BUCKET/PREFIX`` (``$SMCAT_CATALOG``), checked as described above."""
    return click.option(
        "--catalog",
        "catalog_dir",
        envvar="SMCAT_CATALOG",
        metavar="DIR|s3://BUCKET/PREFIX",
        callback=_catalog_callback(create),
        help=_CATALOG_HELP + (" Created when missing." if create else " Must exist."),
    )


def _json_callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[JSON_META] = True
    return value


def json_option(help: str = "Print machine-readable JSON (errors too, on stdout)."):
    """``--json``: the answer as JSON on stdout; an error becomes a JSON problem document."""
    # eager: set before the other options are checked, so their errors are JSON as well
    return click.option("--json", "as_json", is_flag=True, is_eager=True, callback=_json_callback, help=help)


def wants_json(ctx: click.Context | None, args: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether the command line asked for JSON (``--json`` parsed, or present before a ``--``)."""
    if ctx is not None and ctx.meta.get(JSON_META):
        return True
    for a in args:
        if a == "--":
            return False
        if a == "--json":
            return True
    return False
