"""``GET /image``: the question smcat answers.

The hot path is a dictionary lookup: answers (and errors) are cached per catalogue version
and raw query string, since a catalogue version never changes. Parameters are parsed here
rather than by FastAPI's validation layer, which would cost more than the resolution itself;
they are still documented in the OpenAPI schema.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request, Response

from catalog.errors import InvalidQuery, SmcatError
from catalog.resolve import resolve
from resolver.http_errors import error_response
from resolver.schemas import ErrorBody, ImageAnswer
from resolver.verify_log import stored_answer

router = APIRouter(tags=["image"])

#: name -> (description, required)
PARAMS: dict[str, tuple[str, bool]] = {
    "framework": (
        "tensorflow, pytorch, sklearn, xgboost, huggingface, ... (aliases like keras, torch)",
        True,
    ),
    "version": ("2.0 (newest 2.0.x), 2 (newest 2.x), 2.0.4, 1.0-1, or latest (default)", False),
    "region": ("AWS region code (default us-east-1)", False),
    "image_scope": ("inference (default), training, ...", False),
    "gpu": ("true for a GPU image, false for CPU", False),
    "processor": ("cpu, gpu, inf, neuron, neuronx, graviton", False),
    "instance_type": ("SageMaker instance type, e.g. ml.p3.2xlarge (implies the processor)", False),
    "py_version": ("Python version, e.g. py310", False),
    "cuda": ("CUDA version, e.g. cu121", False),
    "os": ("operating system, e.g. ubuntu22.04", False),
    "platform": ("sagemaker or ec2", False),
    "verify": ("true: add the recorded registry check (never calls AWS; 'not_verified' if stale)", False),
}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_CACHE_MAX = 8192

_OPENAPI_PARAMS = [
    {
        "name": n,
        "in": "query",
        "required": req,
        "description": d,
        "schema": {"type": "boolean" if n in ("gpu", "verify") else "string"},
    }
    for n, (d, req) in PARAMS.items()
]


def _parse(query: Request) -> dict:
    args: dict = {}
    for name, value in query.query_params.multi_items():
        if name not in PARAMS:
            raise InvalidQuery(
                f"Unknown query parameter {name!r}. Parameters: {', '.join(PARAMS)}.",
                field=name,
                valid=list(PARAMS),
            )
        if name in args:
            raise InvalidQuery(f"Query parameter {name!r} is given twice.", field=name)
        args[name] = value
    if not args.get("framework"):
        raise InvalidQuery("framework is required, e.g. ?framework=tensorflow", field="framework")
    for flag in ("gpu", "verify"):
        if flag in args:
            g = args[flag].lower()
            if g not in _TRUE | _FALSE:
                raise InvalidQuery(
                    f"Invalid {flag}: {args[flag]!r}. Use true or false.", field=flag, valid=["true", "false"]
                )
            args[flag] = g in _TRUE
    return args


def _answer(request: Request, snapshot, max_age: int) -> tuple[int, bytes, str]:
    try:
        args = _parse(request)
        verify = args.pop("verify", False)
        res = resolve(
            args.pop("framework"),
            args.pop("version", "latest"),
            args.pop("region", "us-east-1"),
            snapshot=snapshot,
            **args,
        )
        status, body = 200, res.to_dict()
        if verify:  # from the recorded check only: see resolver/verify.py
            body["verification"] = stored_answer(request.app.state, res.uri)
    except SmcatError as e:
        status, body = error_response(e)
    raw = json.dumps(body, separators=(",", ":")).encode()
    seen = {k: v for k, v in (body.get("verification") or {}).items() if k != "age_hours"}
    stamp = json.dumps(seen, sort_keys=True).encode() if seen else b""
    etag = (
        '"'
        + hashlib.sha256(snapshot.id.encode() + b"?" + request.scope["query_string"] + stamp).hexdigest()[:32]
        + '"'
    )
    return status, raw, etag


@router.get(
    "/image",
    response_model=ImageAnswer,
    responses={304: {"description": "Not modified"}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    openapi_extra={"parameters": _OPENAPI_PARAMS},
)
async def get_image(request: Request) -> Response:
    """Resolve a framework, version and region to the ECR image URI, with the reasons."""
    state = request.app.state
    snapshot = state.holder.snapshot
    cache: dict = state.image_cache
    key = (snapshot.id, request.scope["query_string"])
    hit = cache.get(key)
    if hit is None:
        hit = _answer(request, snapshot, state.settings.cache_max_age)
        if b"verify=" not in key[1]:  # a recorded verification ages and changes: never cached
            if len(cache) >= _CACHE_MAX:
                del cache[next(iter(cache))]
            cache[key] = hit
    status, raw, etag = hit
    headers = {"ETag": etag, "Cache-Control": state.cache_control} if status == 200 else None
    if status == 200 and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(raw, status_code=status, media_type="application/json", headers=headers)
