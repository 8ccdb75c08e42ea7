"""``If-None-Match`` as RFC 9110 (section 13.1.2) defines it: ``*``, lists, weak comparison.

    If-None-Match = "*" / #entity-tag        entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE

The comparison is weak: ``W/"x"`` matches ``"x"``. A header that does not parse matches
nothing (the full answer is sent), which is always safe. Parsing is one linear scan.
"""

from __future__ import annotations

import re

__all__ = ["if_none_match", "parse_entity_tags"]

# one element of the list: optional weakness, a quoted tag (no DQUOTE inside), then a comma or the end
_ELEMENT_RE = re.compile(r'[ \t]*(?:W/)?"([^"]*)"[ \t]*(?:,|$)')
_EMPTY_RE = re.compile(r"[ \t]*,")


def parse_entity_tags(header: str) -> list[str] | None:
    """The opaque tags (without ``W/`` and quotes) of a list, ``["*"]`` for ``*``; None if malformed."""
    text = header.strip()
    if text == "*":
        return ["*"]
    tags: list[str] = []
    pos = 0
    while pos < len(text):
        empty = _EMPTY_RE.match(text, pos)  # RFC 9110 list syntax allows empty elements
        if empty:
            pos = empty.end()
            continue
        m = _ELEMENT_RE.match(text, pos)
        if not m:
            return None
        tags.append(m.group(1))
        pos = m.end()
    return tags


def if_none_match(header: str | None, etag: str) -> bool:
    """True when ``header`` names ``etag`` (a quoted strong tag) or is ``*``: answer 304."""
    if not header:
        return False
    tags = parse_entity_tags(header)
    if tags is None:
        return False
    return tags == ["*"] or etag.removeprefix("W/").strip('"') in tags
