"""Tables out of documents: markdown pipe tables and HTML ``<table>``s as rows of dicts.

Both readers return the same :class:`Table`: the nearest preceding heading, the column names
(normalized, so callers match columns by name and never by position), the rows keyed by those
names, and the text between the heading and the table (where the docs put code examples).
A row whose cell count differs from the header's is not guessed at: it is kept apart in
``bad_rows`` so a scraper can refuse a truncated or broken page. Markdown tables also keep every
body row as positional ``cells`` with its line, for sources whose rows vary in shape over the
years (``available_images.md``) and for telling whether the last row was cut short.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import Tag

__all__ = ["Table", "column", "html_tables", "loose", "markdown_tables", "normalize_header", "unescape_md"]

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~=])")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^\s*(?:={2,}|-{3,})\s*$")  # the underline of a "Title\n=====" heading
_MD_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MD_ANCHOR = re.compile(r"<a\s+name=[^>]*>\s*(?:</a>)?", re.IGNORECASE)
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True, slots=True)
class Table:
    """One table: its section heading, column names, rows keyed by column name, and context."""

    heading: str  # text of the nearest preceding heading, unescaped ("" when there is none)
    header: tuple[str, ...]  # normalize_header() of each column, in document order
    rows: tuple[dict[str, str], ...]  # cell text (unescaped, whitespace collapsed) by column name
    context: str = ""  # raw text between the heading and the table (code examples, notes)
    bad_rows: tuple[str, ...] = ()  # rows whose cell count differs from the header's
    line: int = 0  # 1-based line of the header row (markdown only)
    #: Every body row as its cells, well-formed or not, in document order (markdown only).
    cells: tuple[tuple[str, ...], ...] = ()
    row_lines: tuple[int, ...] = ()  # 1-based line of each entry of ``cells``


def unescape_md(text: str) -> str:
    r"""Drop markdown backslash escapes: ``1\.0\-1`` -> ``1.0-1``, ``\(DLC\)`` -> ``(DLC)``."""
    return _MD_ESCAPE.sub(r"\1", text)


def _clean(text: str) -> str:
    return " ".join(text.split())


def normalize_header(name: str) -> str:
    r"""A column name as rows are keyed: unescaped, lowercase, single-spaced (``job types (image scope)``)."""
    return _clean(unescape_md(name)).lower()


def loose(name: str) -> str:
    """A column name for tolerant matching: no parentheses, no punctuation, no plural ``s``.

    ``Job types (image scope)`` and ``Job type`` both become ``job type``.
    """
    n = re.sub(r"\([^)]*\)", " ", normalize_header(name))
    words = re.sub(r"[^a-z0-9]+", " ", n).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def column(table: Table, *aliases: str) -> str | None:
    """The key of the first column whose name loosely equals one of ``aliases``, or None."""
    wanted = {loose(a) for a in aliases}
    return next((h for h in table.header if loose(h) in wanted), None)


def _md_cell(text: str) -> str:
    """A cell's text: escapes dropped, ``<br>`` as a space, HTML entities decoded, blanks collapsed."""
    return _clean(html.unescape(_MD_BREAK.sub(" ", unescape_md(text))))


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    s = s.removeprefix("|")
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [_md_cell(c) for c in _CELL_SPLIT.split(s)]


def _is_md_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def markdown_tables(text: str) -> list[Table]:
    """Every pipe table of a markdown document, with its heading (code fences are skipped).

    Headings are ATX (``## Title``) or setext (``Title`` over ``=====`` / ``-----``); a separator
    line repeated inside a table's body is skipped.
    """
    lines = text.splitlines()
    tables: list[Table] = []
    heading, context_start, in_fence = "", 0, False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        m = _MD_HEADING.match(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        setext = line.strip() and not _is_md_row(line) and _MD_SETEXT.match(nxt)
        if m or setext:
            text = m.group(2) if m else line.strip()
            heading = _clean(unescape_md(_MD_ANCHOR.sub("", text)))
            i += 1 if m else 2
            context_start = i
            continue
        if _is_md_row(line) and _MD_SEPARATOR.match(nxt.strip()):
            table, i = _md_table(lines, i, heading, "\n".join(lines[context_start:i]))
            tables.append(table)
            continue
        i += 1
    return tables


def _md_table(lines: list[str], i: int, heading: str, context: str) -> tuple[Table, int]:
    """The table whose header is ``lines[i]`` (its separator is ``lines[i + 1]``), and the index
    of the first line after it."""
    header = tuple(normalize_header(c) for c in _md_cells(lines[i]))
    closed = lines[i].rstrip().endswith("|")  # then a row that is not closed was cut short
    rows, bad, cells, row_lines = [], [], [], []
    j = i + 2
    while j < len(lines) and _is_md_row(lines[j]):
        line = lines[j]
        j += 1
        if _MD_SEPARATOR.match(line.strip()):
            continue
        row = _md_cells(line)
        cells.append(tuple(row))
        row_lines.append(j)  # 1-based
        if len(row) == len(header) and (line.rstrip().endswith("|") or not closed):
            rows.append(dict(zip(header, row, strict=True)))
        else:
            bad.append(line.strip())
    table = Table(heading, header, tuple(rows), context, tuple(bad), i + 1, tuple(cells), tuple(row_lines))
    return table, j


def html_tables(soup: Tag) -> list[Table]:
    """Every ``<table>`` of a parsed HTML document (a BeautifulSoup object), with its heading.

    The header is the ``<thead>`` row, else a first row made of ``<th>``, else the first row.
    ``context`` is the text of the ``<pre>`` blocks between the heading and the table.
    """
    tables: list[Table] = []
    for table in soup.find_all("table"):
        trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        if not trs:
            continue
        # A <thead> without a row (never seen) falls back to the first row rather than failing.
        head_tr = (table.thead.find("tr") if table.thead else None) or trs[0]
        header = tuple(normalize_header(c.get_text(" ")) for c in head_tr.find_all(["th", "td"]))
        rows, bad = [], []
        for tr in trs:
            if tr is head_tr:
                continue
            cells = [_clean(c.get_text(" ")) for c in tr.find_all(["td", "th"])]
            if len(cells) == len(header):
                rows.append(dict(zip(header, cells, strict=True)))
            else:
                bad.append(_clean(tr.get_text(" ")))
        heading_tag, pres = None, []
        for el in table.find_all_previous([*_HTML_HEADINGS, "pre"]):
            if el.name == "pre":
                pres.append(el.get_text())
            else:
                heading_tag = el
                break
        heading = _clean(heading_tag.get_text(" ")) if heading_tag else ""
        tables.append(Table(heading, header, tuple(rows), "\n".join(reversed(pres)), tuple(bad)))
    return tables
