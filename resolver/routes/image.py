"""``GET /image``: the question smcat answers.

The hot path is a dictionary lookup: answers are cached per catalogue version and normalised
query (parameters sorted), since a catalogue version never changes. Only queries that parse
(known parameters, values within ``smcat.catalog.limits``) are cached, only answers (200) and
no-match errors (404) are kept, and the cache is bounded by bytes (``SMCAT_ANSWER_CACHE_MB``).
Parameters are parsed here rather than by FastAPI's validation layer, which would cost more
than the resolution itself; they are still documented in the OpenAPI schema.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import State

from smcat.byte_cache import ByteLRU, CachedAnswer
from smcat.catalog.errors import InvalidQuery, SmcatError
from smcat.catalog.limits import MAX_QUERY_BYTES, check_query
from smcat.catalog.models import Snapshot
from smcat.catalog.resolve import Alternative, Lifecycle, Resolution, resolve
from smcat.conditional import if_none_match
from smcat.http_errors import PROBLEM_JSON, error_response, problem_response
from smcat.schemas import ErrorBody, ImageAnswer
from smcat.verify_log import stored_answer

router = APIRouter(tags=["image"])

#: name -> (description, required)
PARAMS: dict[str, tuple[str, bool]] = {
    "framework": (
        "tensorflow, pytorch, sklearn, xgboost, huggingface, ... (aliases like keras, torch)",
        True,
    ),
    "version": ("2.0 (newest 2.0.x), 2 (newest 2.x), 2.0.4, 1.0-1, or latest (default)", False),
    "region": ("AWS region code (default: the service's AWS_REGION / AWS_DEFAULT_REGION / profile)", False),
    "image_scope": ("inference (default), training, ...", False),
    "gpu": ("true for a GPU image, false for CPU", False),
    "processor": ("cpu, gpu, inf, neuron, neuronx, graviton", False),
    "instance_type": ("SageMaker instance type, e.g. ml.p3.2xlarge (implies the processor)", False),
    "py_version": ("Python version, e.g. py310", False),
    "cuda": ("CUDA version, e.g. cu121", False),
    "os": ("operating system, e.g. ubuntu22.04", False),
    "platform": ("sagemaker (default) or ec2 (EC2-only builds, never chosen otherwise)", False),
    "base_framework_version": ("Hugging Face base framework, e.g. pytorch2.1.0 or tensorflow2.11", False),
    "accelerator_type": ("Elastic Inference accelerator, e.g. ml.eia2.medium (eia images)", False),
    "inference_tool": ("neuron or neuronx (Inferentia / Trainium builds)", False),
    "container_version": ("a container version the tag must carry, e.g. cu121-ubuntu20.04", False),
    "sdk_version": ("Neuron SDK version of the image, e.g. 2.20.0", False),
    "serverless": ("true for a serverless endpoint (CPU images)", False),
    "tag": ("pinned (default), or moving: the SDK's moving tag, as image_uris.retrieve() gives it", False),
    "verify": ("true: add the recorded registry check (never calls AWS; 'not_verified' if stale)", False),
}
_BOOLS = ("gpu", "serverless", "verify")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_CACHED_STATUSES = (200, 404)

_OPENAPI_PARAMS = [
    {
        "name": n,
        "in": "query",
        "required": req,
        "description": d,
        "schema": {"type": "boolean" if n in _BOOLS else "string"},
    }
    for n, (d, req) in PARAMS.items()
]


def _parse(query: Request) -> dict[str, Any]:
    """The query's parameters, checked: known names, each given once, values within the caps."""
    size = len(query.scope["query_string"])
    if size > MAX_QUERY_BYTES:
        raise InvalidQuery(
            f"The query string is {size} bytes long; at most {MAX_QUERY_BYTES} are accepted.", field=""
        )
    args: dict[str, Any] = {}
    for name, value in query.query_params.multi_items():
        if name not in PARAMS:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise InvalidQuery(
                f"Unknown query parameter {shown!r}. Parameters: {', '.join(PARAMS)}.",
                field=shown,
                valid=list(PARAMS),
            )
        if name in args:
            raise InvalidQuery(f"Query parameter {name!r} is given twice.", field=name)
        args[name] = value
    check_query(**args)
    if not args.get("framework"):
        raise InvalidQuery("framework is required, e.g. ?framework=tensorflow", field="framework")
    return args


#: Answer fields that depend only on the image, the region and the catalogue version (see ``answer_bytes``).
_FIXED = (
    "account",
    "region",
    "repository",
    "moving_tags",
    "framework",
    "version",
    "image_scope",
    "processor",
    "arch",
    "py_version",
    "cuda",
    "os",
    "platform",
    "provenance",
    "catalog_version",
)
_FRAGMENTS_MAX = 20_000
_fixed_parts: dict[tuple[object, ...], bytes] = {}
_alternative_parts: dict[Alternative, bytes] = {}
_lifecycle_parts: dict[Lifecycle, bytes] = {}


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps uses for a str (ensure_ascii)


def _str(value: str | None) -> str:
    """A string (or None) as ``json.dumps`` writes it."""
    return "null" if value is None else _encode_str(value)


def answer_bytes(res: Resolution) -> bytes:
    """``res.to_dict()`` as compact JSON, its image-and-region part serialised once per catalogue version.

    Most of an answer (provenance, tags, accounts) is the same for every query that picks that
    image in that region; it is kept as bytes (bounded: ``_FRAGMENTS_MAX`` pieces, then they are
    dropped and rebuilt), and only the query-dependent fields are serialised per answer.
    """
    rec = res.record
    if rec is None:  # pragma: no cover - resolve() always sets it
        return _dump(res.to_dict())
    key = (res.catalog_version, rec.key, res.region, res.framework, res.image_scope)
    fixed = _fixed_parts.get(key)
    if fixed is None:
        whole = res.to_dict()
        fixed = _dump({k: whole[k] for k in _FIXED})[1:-1]
        if len(_fixed_parts) >= _FRAGMENTS_MAX:
            _fixed_parts.clear()
        _fixed_parts[key] = fixed
    alts = []
    for a in res.alternatives:
        part = _alternative_parts.get(a)
        if part is None:
            if len(_alternative_parts) >= _FRAGMENTS_MAX:
                _alternative_parts.clear()
            part = _alternative_parts[a] = _dump(a.to_dict())
        alts.append(part)
    life = _lifecycle_parts.get(res.lifecycle)
    if life is None:
        if len(_lifecycle_parts) >= _FRAGMENTS_MAX:
            _lifecycle_parts.clear()
        life = _lifecycle_parts[res.lifecycle] = _dump(res.lifecycle.to_dict())
    # the query-dependent strings, encoded as json.dumps encodes them (ASCII, escaped), without a dict
    varying = (
        f'"uri":{_str(res.uri)},"tag":{_str(res.tag)},"lifecycle":'.encode()
        + life
        + f',"moving_uri":{_str(res.moving_uri)},"pinned_uri":{_str(res.pinned_uri or res.uri)},'
        f'"region_source":{_str(res.region_source)}'.encode()
    )
    return b"{" + fixed + b"," + varying + b',"alternatives":[' + b",".join(alts) + b"]}"


def _resolve(
    args: dict[str, Any], snapshot: Snapshot, state: State
) -> tuple[int, dict[str, Any] | Resolution]:
    args = dict(args)
    for flag in _BOOLS:
        if flag in args:
            g = args[flag].lower()
            if g not in _TRUE | _FALSE:
                raise InvalidQuery(
                    f"Invalid {flag}: {args[flag][:16]!r}. Use true or false.",
                    field=flag,
                    valid=["true", "false"],
                )
            args[flag] = g in _TRUE
    if "tag" in args:
        args["tag_style"] = args.pop("tag")
    verify = args.pop("verify", False)
    res = resolve(
        args.pop("framework"),
        args.pop("version", "latest"),
        args.pop("region", None),
        snapshot=snapshot,
        **args,
    )
    if not verify:
        return 200, res
    body = res.to_dict()  # from the recorded check only: see resolver/verify.py
    body["verification"] = stored_answer(state, res.pinned_uri or res.uri)
    return 200, body


def _answer(args: dict[str, Any], key: tuple[object, ...], snapshot: Snapshot, state: State) -> CachedAnswer:
    try:
        status, body = _resolve(args, snapshot, state)
    except SmcatError as e:
        status, body = error_response(e)
    if isinstance(body, Resolution):
        etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'
        return status, answer_bytes(body), etag
    raw = json.dumps(body, separators=(",", ":")).encode()
    # a recorded verification changes the answer: it is part of the tag (its age is not)
    seen = {k: v for k, v in (body.get("verification") or {}).items() if k != "age_hours"}
    stamp = json.dumps(seen, sort_keys=True) if seen else ""
    etag = '"' + hashlib.sha256((repr(key) + stamp).encode()).hexdigest()[:32] + '"'
    return status, raw, etag


def _error(exc: SmcatError) -> Response:
    return problem_response(error_response(exc)[1])


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
    try:
        args = _parse(request)
    except SmcatError as e:  # malformed: answered, never cached
        return _error(e)
    cache: ByteLRU[CachedAnswer] = state.image_cache
    key = (snapshot.id, *sorted(args.items()))
    hit = cache.get(key)
    if hit is None:
        hit = _answer(args, key, snapshot, state)
        if hit[0] in _CACHED_STATUSES and "verify" not in args:  # a recorded check ages: never cached
            cache.put(key, hit, len(hit[1]) + sum(len(k) + len(v) for k, v in args.items()))
    status, raw, etag = hit
    headers = {"ETag": etag, "Cache-Control": state.cache_control} if status == 200 else None
    if status == 200 and if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    media_type = "application/json" if status == 200 else PROBLEM_JSON
    return Response(raw, status_code=status, media_type=media_type, headers=headers)
