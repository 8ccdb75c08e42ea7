"""Output helpers shared by the CLI commands: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

import click
from rich.console import Console
from rich.table import Table

__all__ = ["console", "emit_json", "err_console", "table"]


def _width(stream: TextIO) -> int | None:
    """The terminal's width; 200 columns when piped (rich would squeeze tables into 80)."""
    if stream.isatty() or os.environ.get("COLUMNS"):
        return None
    return 200


console = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    """A rich table with the given columns and rows (values stringified, None as '-')."""
    t = Table(title=title, title_justify="left", header_style="bold")
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*("-" if v is None else str(v) for v in r))
    return t
