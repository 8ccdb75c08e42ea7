"""How the CLI reports an expected failure: one line on stderr, or with ``--json`` a JSON
problem document on stdout with the members the HTTP API sends (``smcat.service.http_errors``:
``type``, ``title``, ``status``, ``detail``, ``error``, ``message``, ``field``, ``valid``,
``suggestions``) plus ``exit_code``.

Exit codes (the README's table is the user's copy of this one):

====  =====================================================================================
0     success
1     unexpected failure (the store or a file could not be read or written)
2     invalid input: options, arguments, settings, the catalogue location, a model artifact
3     no match (the message says what exists); ``verify``: the image is missing from ECR
4     refresh refused (the current version stays)
5     ``verify``: the registry could not be asked; ``import``: a different object is at the key
6     ``import``: a step failed after AWS resources were created (the message lists them)
7     ``serve``: cannot listen (port in use, permission denied, unknown host)
====  =====================================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import click

from smcat.catalog.errors import InvalidQuery, NoMatch, SmcatError, SnapshotNotFound

__all__ = ["EXIT_CODES", "echo_error", "os_problem", "problem_of", "usage_problem"]

#: exit code -> what it means (one place; ``smcat --help`` and the tests read it).
EXIT_CODES = {
    0: "success",
    1: "unexpected failure",
    2: "invalid input",
    3: "no match / image missing",
    4: "refresh refused",
    5: "could not check the registry / import conflict",
    6: "import failed after creating resources",
    7: "cannot listen",
}
#: the HTTP status an error of each exit code would have in the service.
_STATUS = {1: 500, 2: 422, 3: 404, 4: 409, 5: 503, 6: 500, 7: 503}


def _code(exc: BaseException) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def _problem(status: int, error: str, message: str, **extra: object) -> dict[str, Any]:
    from smcat.service.http_errors import problem  # only on the error path: it imports fastapi

    return problem(status, error, message, **extra)


#: members an error may carry beyond the problem's own (importer errors: what was created, deleted, left)
_EXTRAS = ("field", "valid", "suggestions", "problems", "step", "created", "deleted", "left")


def _extras(exc: SmcatError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in _EXTRAS:
        v = getattr(exc, k, None)
        if v:
            out[k] = [p.to_dict() if hasattr(p, "to_dict") else p for p in v] if isinstance(v, list) else v
    return out


def problem_of(exc: SmcatError) -> dict[str, Any]:
    """The problem document of a library error, as the service would send it, plus ``exit_code``
    and what the error carries (``problems`` of a model check, ``created``/``left`` of an import)."""
    code = getattr(exc, "exit_code", 1) or 1
    msg = str(exc)
    if isinstance(exc, InvalidQuery):
        body = _problem(422, "invalid_query", msg, field=exc.field or None, valid=exc.valid)
    elif isinstance(exc, NoMatch):
        body = _problem(404, "no_match", msg, suggestions=exc.suggestions)
    elif isinstance(exc, SnapshotNotFound):
        body = _problem(404, "catalog_version_not_found", msg)
    else:
        body = _problem(_STATUS.get(code, 500), _code(exc), msg)
    return {**_extras(exc), **body, "exit_code": code}


def usage_problem(exc: click.UsageError) -> dict[str, Any]:
    """A click usage error (missing option, bad value, unknown command) as a problem document."""
    field = None
    param = getattr(exc, "param", None)
    if param is not None:
        field = param.opts[0] if getattr(param, "opts", None) else param.name
    hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    return {
        **_problem(422, "invalid_query", exc.format_message() + hint, field=field),
        "exit_code": exc.exit_code,
    }


def os_problem(exc: OSError) -> dict[str, Any]:
    """A file or socket the OS refused (permission denied, disk full), exit 1."""
    where = f": {exc.filename}" if exc.filename else ""
    return {**_problem(500, "os_error", f"{exc.strerror or exc}{where}"), "exit_code": 1}


def echo_error(body: Mapping[str, Any], as_json: bool) -> None:
    """Print a problem: JSON on stdout, or ``smcat: error: <detail>`` on stderr."""
    if as_json:
        click.echo(json.dumps(body, indent=2, sort_keys=True, default=str))
    else:
        click.echo(f"smcat: error: {body['detail']}", err=True)
