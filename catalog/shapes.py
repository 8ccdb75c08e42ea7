"""Fast hand checks of a store document's shape, run on every load before anything reads it.

The published contracts are JSON Schema files in the package (``catalog/data/snapshot.schema.json``
and ``status.schema.json``, see ``schema_path``); these functions check the same rules in plain
Python (about 1 ms for the shipped snapshot, where a ``jsonschema`` validator costs far more), and
a test holds the two in agreement on the shipped snapshot and on broken variants. On top of the
schema, ``snapshot_problem`` checks what JSON Schema cannot say: that an image's ``accounts`` and
``provenance`` indexes point inside ``account_maps`` and ``provenance``.

Each check returns the first problem as one line naming where it is (``images[3].tags``), or
None when the document is fine. Image records may carry fields beyond the core ones (newer smcat
versions add fields); those are not checked here.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

from smcat.catalog.models import OPTIONAL_TEXT_FIELDS

__all__ = ["FORMAT", "ID_PATTERN", "schema_path", "snapshot_problem", "status_problem"]

#: The snapshot file format this smcat reads and writes.
FORMAT = "smcat-snapshot/1"

#: A snapshot id: ``<UTC time>-<first 8 hex of the content hash>`` (the same rule as the schema).
ID_PATTERN = re.compile(r"^(?P<stamp>[0-9]{8}T[0-9]{6}Z)-(?P<hash>[0-9a-f]{8})$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")

_IMAGE_REQUIRED_STR = ("framework", "version", "image_scope", "processor", "repository")
_IMAGE_OPTIONAL_STR = ("arch", *OPTIONAL_TEXT_FIELDS)


def schema_path(name: str = "snapshot") -> Path:
    """The packaged JSON Schema file for ``snapshot`` or ``status`` documents."""
    return Path(str(resources.files("smcat.catalog").joinpath("data", f"{name}.schema.json")))


def _type(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def _is_int(v: Any) -> TypeGuard[int]:
    return type(v) is int  # bool is an int subclass; JSON Schema does not count it as an integer


def _str_list(v: Any) -> bool:
    return type(v) is list and all(type(x) is str for x in v)


def _accounts_problem(m: Any, where: str) -> str | None:
    if type(m) is not dict:
        return f"{where}: expected an object (region -> account), got {_type(m)}"
    for region, account in m.items():
        if type(account) is not str or not _ACCOUNT.match(account):
            return f"{where}.{region}: expected a 12-digit account id, got {account!r}"
    return None


def _provenance_problem(p: Any, where: str) -> str | None:
    if type(p) is not dict:
        return f"{where}: expected an object, got {_type(p)}"
    for k in ("source", "url"):
        if type(p.get(k)) is not str:
            return f"{where}.{k}: expected a string, got {_type(p.get(k))}"
    for k in ("fetched_at", "note"):
        if k in p and type(p[k]) is not str:
            return f"{where}.{k}: expected a string, got {_type(p[k])}"
    if "region" in p and p["region"] is not None and type(p["region"]) is not str:
        return f"{where}.region: expected a string or null, got {_type(p['region'])}"
    if "facts" in p and not _str_list(p["facts"]):
        return f"{where}.facts: expected a list of strings"
    if "derived" in p and type(p["derived"]) is not bool:
        return f"{where}.derived: expected true or false, got {_type(p['derived'])}"
    return None


def _conflict_problem(c: Any, where: str) -> str | None:
    if type(c) is not dict:
        return f"{where}: expected an object, got {_type(c)}"
    for k in ("subject", "field"):
        if type(c.get(k)) is not str:
            return f"{where}.{k}: expected a string, got {_type(c.get(k))}"
    claims = c.get("claims")
    if type(claims) is not list:
        return f"{where}.claims: expected a list, got {_type(claims)}"
    for j, cl in enumerate(claims):
        if type(cl) is not dict or type(cl.get("value")) is not str or type(cl.get("url")) is not str:
            return f"{where}.claims[{j}]: expected an object with string value and url"
    return None


def _image_problem(d: Any, where: str, n_maps: int, n_provs: int) -> str | None:
    if type(d) is not dict:
        return f"{where}: expected an image object, got {_type(d)}"
    for k in _IMAGE_REQUIRED_STR:
        v = d.get(k)
        if type(v) is not str or not v:
            return f"{where}.{k}: expected a non-empty string, got {v!r}"
    for k in _IMAGE_OPTIONAL_STR:
        if k in d and type(d[k]) is not str:
            return f"{where}.{k}: expected a string, got {_type(d[k])}"
    if not _str_list(d.get("tags")):
        return f"{where}.tags: expected a list of strings"
    acc = d.get("accounts")
    if not _is_int(acc) or not 0 <= acc < n_maps:
        return f"{where}.accounts: expected an index into account_maps (0..{n_maps - 1}), got {acc!r}"
    provs = d.get("provenance")
    if type(provs) is not list or not all(_is_int(i) and 0 <= i < n_provs for i in provs):
        return f"{where}.provenance: expected a list of indexes into provenance (0..{n_provs - 1})"
    if "extra" in d and type(d["extra"]) is not dict:
        return f"{where}.extra: expected an object, got {_type(d['extra'])}"
    if "derived_tags" in d and type(d["derived_tags"]) is not bool:
        return f"{where}.derived_tags: expected true or false, got {_type(d['derived_tags'])}"
    return None


def _header_problem(doc: dict[str, Any]) -> str | None:
    if doc.get("format") != FORMAT:
        return f"format: expected {FORMAT!r}, got {doc.get('format')!r} (not an smcat snapshot)"
    if type(doc.get("id")) is not str or not ID_PATTERN.match(doc["id"]):
        return f"id: expected <UTC time>-<hash8> such as 20260101T000000Z-0123abcd, got {doc.get('id')!r}"
    if type(doc.get("created_at")) is not str:
        return f"created_at: expected a string, got {_type(doc.get('created_at'))}"
    if type(doc.get("content_hash")) is not str or not _HASH.match(doc["content_hash"]):
        return "content_hash: expected 64 hex digits"
    for k, container in (("account_maps", list), ("provenance", list), ("images", list)):
        if type(doc.get(k)) is not container:
            return f"{k}: expected a list, got {_type(doc.get(k))}"
    for k, kind in (("sources", dict), ("registries", dict), ("conflicts", list)):
        if k in doc and type(doc[k]) is not kind:
            return f"{k}: expected {'an object' if kind is dict else 'a list'}, got {_type(doc[k])}"
    return None


def snapshot_problem(doc: Any) -> str | None:
    """The first way ``doc`` (a parsed snapshot file) breaks the snapshot schema, or None."""
    if type(doc) is not dict:
        return f"expected a JSON object, got {_type(doc)}"
    problem = _header_problem(doc)
    if problem:
        return problem
    for name, info in doc.get("sources", {}).items():
        if type(info) is not dict:
            return f"sources.{name}: expected an object, got {_type(info)}"
    for family, m in doc.get("registries", {}).items():
        problem = _accounts_problem(m, f"registries.{family}")
        if problem:
            return problem
    for i, c in enumerate(doc.get("conflicts", ())):
        problem = _conflict_problem(c, f"conflicts[{i}]")
        if problem:
            return problem
    for i, m in enumerate(doc["account_maps"]):
        problem = _accounts_problem(m, f"account_maps[{i}]")
        if problem:
            return problem
    for i, p in enumerate(doc["provenance"]):
        problem = _provenance_problem(p, f"provenance[{i}]")
        if problem:
            return problem
    n_maps, n_provs = len(doc["account_maps"]), len(doc["provenance"])
    for i, d in enumerate(doc["images"]):
        problem = _image_problem(d, f"images[{i}]", n_maps, n_provs)
        if problem:
            return problem
    return None


def status_problem(doc: Any) -> str | None:
    """The first way ``doc`` (a parsed ``status.json``) breaks the status schema, or None."""
    if type(doc) is not dict:
        return f"expected a JSON object, got {_type(doc)}"
    sources = doc.get("sources", {})
    if type(sources) is not dict:
        return f"sources: expected an object, got {_type(sources)}"
    for name, info in sources.items():
        if type(info) is not dict:
            return f"sources.{name}: expected an object, got {_type(info)}"
    last = doc.get("last_refresh")
    if last is not None:
        if type(last) is not dict:
            return f"last_refresh: expected an object, got {_type(last)}"
        for k in ("at", "outcome"):
            if k in last and type(last[k]) is not str:
                return f"last_refresh.{k}: expected a string, got {_type(last[k])}"
        for k in ("reason", "snapshot"):
            if last.get(k) is not None and type(last[k]) is not str:
                return f"last_refresh.{k}: expected a string or null, got {_type(last[k])}"
    ok = doc.get("last_successful_refresh")
    if ok is not None and type(ok) is not str:
        return f"last_successful_refresh: expected a string or null, got {_type(ok)}"
    return None
