"""Size limits on what callers may ask: one place for every cap on user input.

A query value longer than any real one (the longest framework name, region, instance type or
version in the catalogue is under 40 characters) is refused before any parsing, so no parser
or regular expression ever sees an unbounded string, and no error message echoes one.
"""

from __future__ import annotations

from smcat.catalog.errors import InvalidQuery

__all__ = ["MAX_QUERY_BYTES", "MAX_VALUE_CHARS", "MAX_VERSION_CHARS", "check_length", "check_query"]

#: Any single query value (framework, region, instance type, py_version, catalogue version...).
MAX_VALUE_CHARS = 128
#: A version (``2.0``, ``>=2.1,<2.3``, ``0.5.12+amzn2023.578d27e``): keeps ints far below
#: Python's 4,300-digit int-string limit and every version parser's input short.
MAX_VERSION_CHARS = 64
#: A whole HTTP query string (the service refuses longer ones before parsing them).
MAX_QUERY_BYTES = 2048


def check_length(field: str, value: object, limit: int = MAX_VALUE_CHARS) -> None:
    """Raise ``InvalidQuery`` naming ``field`` and ``limit`` when ``value`` is a longer string.

    The message gives the length, never the value (which may be megabytes long).
    """
    if isinstance(value, str) and len(value) > limit:
        raise InvalidQuery(
            f"{field} is {len(value)} characters long; at most {limit} are accepted.",
            field=field,
        )


def check_query(**fields: object) -> None:
    """``check_length`` for each keyword (``version`` gets ``MAX_VERSION_CHARS``, others the default)."""
    for name, value in fields.items():
        check_length(name, value, MAX_VERSION_CHARS if name == "version" else MAX_VALUE_CHARS)
