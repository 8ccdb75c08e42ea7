"""HTTP error bodies, one place: RFC 9457 problem details (``application/problem+json``).

Every error the service sends is a problem document: ``type``, ``title``, ``status`` and
``detail``, plus the members clients of earlier versions read, kept as extension members:
``error`` (a stable code such as ``invalid_query``), ``message`` (= ``detail``) and, where
they apply, ``field``, ``valid`` and ``suggestions``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi.responses import Response

from smcat.catalog.errors import InvalidQuery, NoMatch, SmcatError, SnapshotNotFound

__all__ = ["PROBLEM_JSON", "ApiError", "error_response", "problem", "problem_response"]

PROBLEM_JSON = "application/problem+json"
#: ``type`` URIs are ``urn:smcat:problem:<error>``: stable identifiers for each error code.
_TYPE_PREFIX = "urn:smcat:problem:"


def problem(status: int, error: str, message: str, **extra: object) -> dict[str, Any]:
    """A problem document for ``status`` with the stable code ``error`` and the text ``message``."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {
        "type": _TYPE_PREFIX + error,
        "title": title,
        "status": status,
        "detail": message,
        "error": error,
        "message": message,
        **extra,
    }


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """The response carrying a problem document (its ``status`` is the HTTP status)."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    return Response(raw, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def error_response(exc: SmcatError) -> tuple[int, dict[str, Any]]:
    """(status, problem): 422 invalid input, 404 no match or unknown version, 500 otherwise."""
    if isinstance(exc, InvalidQuery):
        return 422, problem(422, "invalid_query", str(exc), field=exc.field or None, valid=exc.valid)
    if isinstance(exc, NoMatch):
        return 404, problem(404, "no_match", str(exc), suggestions=exc.suggestions)
    if isinstance(exc, SnapshotNotFound):
        return 404, problem(404, "catalog_version_not_found", str(exc))
    return 500, problem(500, type(exc).__name__, str(exc))


class ApiError(Exception):
    """An HTTP error with a problem body (``error``, ``message`` and extras) and optional headers."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None, **extra: object
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = problem(status, error, message, **extra)
        self.headers = headers
