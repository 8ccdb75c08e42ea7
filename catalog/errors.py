"""One exception hierarchy for smcat.

Every error names what was asked, what exists, and what to do next. Library code raises
these; only the CLI and the HTTP service turn them into exit codes and status codes.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "InvalidQuery",
    "NoMatch",
    "ParseError",
    "RefreshRefused",
    "SmcatError",
    "SnapshotNotFound",
    "SourceError",
    "SourceMoved",
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
