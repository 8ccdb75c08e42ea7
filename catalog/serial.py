"""Dataclasses as JSON data: one helper instead of a hand-written ``to_dict`` per class.

``to_jsonable(obj)`` turns a dataclass instance into a dict whose keys follow the class's field order
(the order the JSON answers, ``--json`` outputs and golden files show), tuples into lists,
mappings into dicts and dates into ISO strings, recursively. A nested object with its own
``to_dict`` is asked for it (its class says how it is written). A field may say, in its
metadata, that it is written under another name (``field(metadata=rename("from"))``) or not at
all (``field(metadata=OMIT)``, e.g. an in-memory back-reference).

A class whose JSON is not a plain dump of its fields (derived values, another key order, fields
left out when empty) keeps an explicit ``to_dict`` saying why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, time
from operator import attrgetter
from typing import Any

__all__ = ["OMIT", "rename", "to_jsonable"]

_KEY = "smcat.json"

#: ``field(metadata=OMIT)``: the field is not written.
OMIT: Mapping[str, Any] = {_KEY: None}


def rename(key: str) -> Mapping[str, Any]:
    """``field(metadata=rename("from"))``: the field is written under ``key``."""
    return {_KEY: key}


#: class -> (a getter of its written attributes as a tuple, their keys): worked out once per class
_PLANS: dict[type, tuple[Callable[[Any], tuple[Any, ...]], tuple[str, ...]]] = {}

#: written as they are (checked by exact type first: most values are these, and it is the fast path)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plan(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[str, ...]]:
    plan = _PLANS.get(cls)
    if plan is None:
        pairs = [(f.name, f.metadata.get(_KEY, f.name)) for f in dataclasses.fields(cls)]
        pairs = [(attr, key) for attr, key in pairs if key is not None]
        names = tuple(attr for attr, _ in pairs)
        get = attrgetter(*names) if len(names) > 1 else lambda o: tuple(getattr(o, n) for n in names)
        plan = _PLANS[cls] = (get, tuple(key for _, key in pairs))
    return plan


def _empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def to_jsonable(obj: object, *, omit_empty: bool = False) -> dict[str, Any]:
    """The dataclass instance ``obj`` as a JSON object (see the module docstring).

    ``omit_empty`` leaves out the fields whose value is None, ``""`` or an empty list/tuple
    (a report that only says what happened).
    """
    plan = _PLANS.get(type(obj))
    if plan is None:
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            raise TypeError(f"to_jsonable() takes a dataclass instance, not {type(obj).__name__}")
        plan = _plan(type(obj))
    get, keys = plan
    values = [v if type(v) in _SCALARS else _value(v) for v in get(obj)]
    if omit_empty:
        return {k: v for k, v in zip(keys, values, strict=True) if not _empty(v)}
    return dict(zip(keys, values, strict=True))


def _value(value: Any) -> Any:
    """A field's value as JSON data, by a writer chosen once per type."""
    write = _WRITERS.get(type(value))
    if write is None:
        write = _WRITERS[type(value)] = _writer_for(type(value))
    return write(value)


def _same(value: Any) -> Any:
    return value


def _list(value: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [v if type(v) in _SCALARS else _value(v) for v in value]


def _dict(value: Mapping[Any, Any]) -> dict[Any, Any]:
    return {k: v if type(v) in _SCALARS else _value(v) for k, v in value.items()}


def _iso(value: date | time) -> str:
    return value.isoformat()


def _writer_for(cls: type) -> Callable[[Any], Any]:
    if issubclass(cls, str | int | float) or cls is type(None):  # bool is an int
        return _same
    if issubclass(cls, tuple | list):
        return _list
    if issubclass(cls, Mapping):
        return _dict
    if issubclass(cls, date | time):  # datetime is a date
        return _iso
    if dataclasses.is_dataclass(cls):
        own = getattr(cls, "to_dict", None)  # the class says how it is written: ask it
        return own if own is not None else to_jsonable
    return _refuse


def _refuse(value: Any) -> Any:
    raise TypeError(f"cannot write {type(value).__name__} as JSON: {value!r}")


#: type -> how a value of it is written (``_writer_for``), filled as types are met
_WRITERS: dict[type, Callable[[Any], Any]] = {}
