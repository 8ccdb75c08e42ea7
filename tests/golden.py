"""Golden files for scraper tests: ``<case>.<ext>`` beside ``<case>.expected.json``.

A golden test parses one hand-written fixture and compares everything the parser returned (every
record field, registries, links, lifecycle dates, warnings, or the ParseError it raised) with the
JSON file beside it. After a deliberate change to a parser, rewrite the expected files and review
the diff before committing:

    SMCAT_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/scrapers -k golden
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ImageRecord, ParseResult

REGENERATE = "SMCAT_REGENERATE_GOLDEN"
SUFFIX = ".expected.json"


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as dicts of every field, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def record_dict(record: ImageRecord) -> dict[str, Any]:
    """Every field of one image record (provenance included), as plain data."""
    return plain(record)


def result_dict(result: ParseResult) -> dict[str, Any]:
    """Everything one ``parse()`` returned, as plain data; lifecycle keys spelled out."""
    return {
        "images": [record_dict(r) for r in result.images],
        "registries": plain(result.registries),
        "links": list(result.links),
        "lifecycle": [
            {"framework": fw, "version": v, "ga": ga, "eop": eop}
            for (fw, v), (ga, eop) in result.lifecycle.items()
        ],
        "moved": result.moved,
        "warnings": list(result.warnings),
    }


def outcome(parse: Callable[..., ParseResult], text: str, url: str, fetched_at: str) -> dict[str, Any]:
    """What ``parse(text, url, fetched_at)`` does: its result, or the ParseError it raises."""
    try:
        return result_dict(parse(text, url, fetched_at))
    except ParseError as exc:
        error = {"type": type(exc).__name__, "message": str(exc), "source": exc.source, "url": exc.url}
        return {"error": error}


def cases(folder: Path, patterns: Iterable[str] = ("**/*",)) -> list[str]:
    """The fixtures under ``folder`` matching ``patterns`` (paths relative to it), not the golden files."""
    found = {
        p.relative_to(folder).as_posix()
        for pattern in patterns
        for p in folder.glob(pattern)
        if p.is_file() and not p.name.endswith(SUFFIX)
    }
    return sorted(found)


def expected_file(fixture: Path) -> Path:
    """``<case>.expected.json`` beside ``<case>.<ext>``; ``<case>.<ext>.expected.json`` when another
    fixture beside it has the same ``<case>`` (``renamed-column.md`` and ``renamed-column.html``)."""
    twins = [p for p in fixture.parent.glob(fixture.stem + ".*") if p.stem == fixture.stem and p != fixture]
    name = fixture.name if any(not t.name.endswith(SUFFIX) for t in twins) else fixture.stem
    return fixture.with_name(name + SUFFIX)


def check(got: Any, expected: Path) -> None:
    """Compare ``got`` with the golden file ``expected``, rewritten first under ``REGENERATE``."""
    text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get(REGENERATE):
        expected.write_text(text, "utf-8")
    if not expected.is_file():
        pytest.fail(f"{expected} is missing: run with {REGENERATE}=1 to write it, then review it")
    assert json.loads(text) == json.loads(expected.read_text("utf-8")), (
        f"{expected.name} differs; after a deliberate change run with {REGENERATE}=1 and review the diff"
    )
