"""Turn smcat errors into HTTP status codes and JSON bodies (one place, used by the app and routes)."""

from __future__ import annotations

from catalog.errors import InvalidQuery, NoMatch, SmcatError, SnapshotNotFound

__all__ = ["ApiError", "error_response"]


def error_response(exc: SmcatError) -> tuple[int, dict]:
    """(status, body): 422 invalid input, 404 no match or unknown version, 500 otherwise."""
    body: dict = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, InvalidQuery):
        body.update(error="invalid_query", field=exc.field or None, valid=exc.valid)
        return 422, body
    if isinstance(exc, NoMatch):
        body.update(error="no_match", suggestions=exc.suggestions)
        return 404, body
    if isinstance(exc, SnapshotNotFound):
        body.update(error="catalog_version_not_found")
        return 404, body
    return 500, body


class ApiError(Exception):
    """An HTTP error with a JSON body (``error``, ``message``) and optional headers."""

    def __init__(self, status: int, error: str, message: str, headers: dict | None = None, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": error, "message": message, **extra}
        self.headers = headers
