"""One exception hierarchy for smcat.

Every error names what was asked, what exists, and what to do next. Library code raises
these; only the CLI and the HTTP service turn them into exit codes and status codes.
"""

from __future__ import annotations

__all__ = [
    "BadPointer",
    "CatalogError",
    "CorruptDocument",
    "CorruptSnapshot",
    "InvalidQuery",
    "InvalidVersion",
    "NoMatch",
    "ParseError",
    "RefreshRefused",
    "SmcatError",
    "SnapshotNotFound",
    "SourceError",
    "SourceMoved",
    "StoreWriteFailed",
]


class SmcatError(Exception):
    """Base of every error smcat raises on purpose."""

    exit_code = 1


class InvalidQuery(SmcatError, ValueError):
    """The caller asked something malformed (unknown framework, bad version or region...)."""

    exit_code = 2

    def __init__(self, message: str, *, field: str = "", valid: list[str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.valid = list(valid or [])


class NoMatch(SmcatError, LookupError):
    """A well-formed query that no image in the catalogue satisfies."""

    exit_code = 3

    def __init__(self, message: str, *, suggestions: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.suggestions = dict(suggestions or {})


class CatalogError(SmcatError):
    """The catalogue store is unusable (missing, corrupt, unwritable)."""


class SnapshotNotFound(CatalogError, LookupError):
    """A catalogue version that does not exist was asked for."""

    exit_code = 2


class InvalidVersion(InvalidQuery):
    """A catalogue version asked for is not even shaped like an id, prefix, hash or date."""

    def __init__(self, message: str, *, field: str = "catalog_version") -> None:
        super().__init__(message, field=field)


class CorruptDocument(CatalogError):
    """A store document (a snapshot, ``status.json``) failed its checks on load and is refused.

    ``origin`` names the document (a path or an ``s3://`` URL); ``problem`` says what failed.
    """

    def __init__(self, message: str, *, origin: str = "", problem: str = "") -> None:
        super().__init__(message)
        self.origin = origin
        self.problem = problem


class CorruptSnapshot(CorruptDocument):
    """A snapshot whose hash, id or shape does not check out: never served."""


class BadPointer(CatalogError):
    """The store's ``CURRENT`` pointer is missing, empty, not an id, or names no snapshot."""


class StoreWriteFailed(CatalogError):
    """Writing to the store failed (disk full, read-only, ...); what was current stays current."""

    def __init__(self, message: str, *, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class RefreshRefused(SmcatError):
    """A refresh was not published; the current catalogue version stays."""

    exit_code = 4


class SourceError(SmcatError):
    """An upstream source could not be fetched or read."""

    def __init__(self, message: str, *, source: str = "", url: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.url = url


class ParseError(SourceError, ValueError):
    """A document did not have the shape its scraper expects (changed or broken upstream page)."""


class SourceMoved(SourceError):
    """The document says its content moved elsewhere (e.g. today's available_images.md stub)."""
