"""``GET /image``: the question smcat answers.

The hot path is a dictionary lookup: answers are cached per catalogue version, day (an image
passes its end of patch on a date) and normalised query (parameters sorted). Only queries that parse
(known parameters, values within ``smcat.catalog.limits``) are cached, only answers (200) and
no-match errors (404) are kept, and the cache is bounded by bytes (``SMCAT_ANSWER_CACHE_MB``).
Parameters are parsed here rather than by FastAPI's validation layer, which would cost more
than the resolution itself; they are still documented in the OpenAPI schema.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from starlette.datastructures import State

from smcat.catalog.errors import InvalidQuery, SmcatError
from smcat.catalog.limits import MAX_QUERY_BYTES, check_query
from smcat.catalog.models import Snapshot
from smcat.catalog.resolve import Alternative, Lifecycle, Resolution, resolve
from smcat.service.byte_cache import ByteLRU, CachedAnswer
from smcat.service.conditional import if_none_match
from smcat.service.http_errors import PROBLEM_JSON, error_response, problem_response
from smcat.service.schemas import ErrorBody, ImageAnswer
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


def _pairs(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True)``, splitting by hand when nothing is escaped."""
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    pairs = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def _parse(query_string: bytes) -> dict[str, Any]:
    """The query's parameters, checked: known names, each given once, values within the caps.

    Decoded as Starlette decodes ``request.query_params`` (latin-1, then percent-decoding as
    UTF-8, blank values kept).
    """
    size = len(query_string)
    if size > MAX_QUERY_BYTES:
        raise InvalidQuery(
            f"The query string is {size} bytes long; at most {MAX_QUERY_BYTES} are accepted.", field=""
        )
    args: dict[str, Any] = {}
    for name, value in _pairs(query_string.decode("latin-1")):
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


#: Answer fields in the order ``answer_bytes`` writes them before the query-dependent ones. The
#: first two depend on the region, the next ones only on the image (``_RECORD``).
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
_RECORD = _FIXED[2:-2]
_LIFECYCLES_MAX = 10_000


class _Pieces:
    """Serialised parts of the answers of one catalogue version, each bounded by the catalogue.

    One part per image (and framework spelling and scope), per provenance document of an image,
    and per alternative's image fields; an answer joins them with the few strings that depend on
    the query (URIs, tags, region, account). Images and provenance entries are the snapshot's own
    objects, looked up by identity (the object is kept with its part, so its ``id`` cannot be
    reused while the part exists). A new catalogue version starts a new set.
    """

    def __init__(self, version: str) -> None:
        self.version = version
        self.version_json = _str(version).encode()
        self.images: dict[tuple[int, str, str], tuple[object, bytes]] = {}
        self.provenance: dict[int, tuple[object, bytes]] = {}
        self.alternatives: dict[tuple[str, str | None, str, str | None], bytes] = {}
        self.lifecycles: dict[Lifecycle, bytes] = {}

    def image(self, res: Resolution, rec: object) -> bytes:
        key = (id(rec), res.framework, res.image_scope)
        hit = self.images.get(key)
        if hit is not None and hit[0] is rec:
            return hit[1]
        whole = res.to_dict()
        part = _dump({k: whole[k] for k in _RECORD})[1:-1]
        self.images[key] = (rec, part)
        return part

    def provenance_list(self, res: Resolution) -> bytes:
        parts = []
        for p in res.provenance:
            hit = self.provenance.get(id(p))
            if hit is None or hit[0] is not p:
                hit = self.provenance[id(p)] = (p, _dump(p.to_dict()))
            parts.append(hit[1])
        return b"[" + b",".join(parts) + b"]"

    def alternative(self, a: Alternative) -> bytes:
        key = (a.version, a.py_version, a.processor, a.platform)
        tail = self.alternatives.get(key)
        if tail is None:
            tail = self.alternatives[key] = b"," + _dump(a.to_dict() | {"uri": None})[len(b'{"uri":null,') :]
        return b'{"uri":' + _str(a.uri).encode() + tail

    def lifecycle(self, life: Lifecycle) -> bytes:
        part = self.lifecycles.get(life)
        if part is None:
            if len(self.lifecycles) >= _LIFECYCLES_MAX:  # dates make new ones: a bound, rarely reached
                self.lifecycles.clear()
            part = self.lifecycles[life] = _dump(life.to_dict())
        return part


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps uses for a str (ensure_ascii)


def _str(value: str | None) -> str:
    """A string (or None) as ``json.dumps`` writes it."""
    return "null" if value is None else _encode_str(value)


_pieces = _Pieces("")


def answer_bytes(res: Resolution) -> bytes:
    """``res.to_dict()`` as compact JSON, its per-image parts serialised once per catalogue version.

    Most of an answer (provenance, tags, the image's fields, its alternatives' fields) is the same
    for every query that picks that image; those parts are kept as bytes (``_Pieces``) and only
    the query-dependent strings are encoded per answer, as ``json.dumps`` would encode them.
    """
    global _pieces
    rec = res.record
    if rec is None:  # pragma: no cover - resolve() always sets it
        return _dump(res.to_dict())
    pieces = _pieces
    if pieces.version != res.catalog_version:
        pieces = _pieces = _Pieces(res.catalog_version)
    return b"".join(
        (
            f'{{"account":{_str(res.account)},"region":{_str(res.region)},'.encode(),
            pieces.image(res, rec),
            b',"provenance":',
            pieces.provenance_list(res),
            b',"catalog_version":',
            pieces.version_json,
            f',"uri":{_str(res.uri)},"tag":{_str(res.tag)},"lifecycle":'.encode(),
            pieces.lifecycle(res.lifecycle),
            f',"moving_uri":{_str(res.moving_uri)},"pinned_uri":{_str(res.pinned_uri or res.uri)},'
            f'"region_source":{_str(res.region_source)},"alternatives":['.encode(),
            b",".join([pieces.alternative(a) for a in res.alternatives]),
            b"]}",
        )
    )


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
        raw = answer_bytes(body)
        # the representation's own tag: its catalogue version, length and CRC-32 (an answer that
        # changes within one version, e.g. past its end of patch from one day to the next, or
        # under another default region, gets another tag; hashing the bytes with sha256 cost more
        # than serialising them)
        etag = f'"{snapshot.content_hash[:12]}-{len(raw):x}-{zlib.crc32(raw):08x}"'
        return status, raw, etag
    raw = json.dumps(body, separators=(",", ":")).encode()
    # a recorded verification changes the answer: it is part of the tag (its age is not)
    seen = {k: v for k, v in (body.get("verification") or {}).items() if k != "age_hours"}
    stamp = json.dumps(seen, sort_keys=True) if seen else ""
    etag = '"' + hashlib.sha256((repr(key) + stamp).encode()).hexdigest()[:32] + '"'
    return status, raw, etag


def _error(exc: SmcatError) -> Response:
    return problem_response(error_response(exc)[1])


async def get_image(request: Request) -> Response:
    """Resolve a framework, version and region to the ECR image URI, with the reasons."""
    state = request.app.state
    snapshot = state.holder.snapshot
    try:
        args = _parse(request.scope["query_string"])
    except SmcatError as e:  # malformed: answered, never cached
        return _error(e)
    cache: ByteLRU[CachedAnswer] = state.image_cache
    key = (snapshot.id, date.today().toordinal(), *sorted(args.items()))  # answers age by the day
    hit = cache.get(key)
    if hit is None:
        hit = _answer(args, key, snapshot, state)
        if hit[0] in _CACHED_STATUSES and "verify" not in args:  # a recorded check ages: never cached
            cache.put(key, hit, len(hit[1]) + sum(len(k) + len(v) for k, v in args.items()))
    status, raw, etag = hit
    if status != 200:
        return Response(raw, status_code=status, media_type=PROBLEM_JSON)
    if if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": state.cache_control})
    return _Answer(raw, etag.encode(), state.cache_control.encode())


class _Answer(Response):
    """A 200 JSON answer with its ETag and Cache-Control, headers built directly (no header dict)."""

    media_type = "application/json"

    def __init__(self, body: bytes, etag: bytes, cache_control: bytes) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            (b"etag", etag),
            (b"cache-control", cache_control),
        ]


# GET /image requests are answered by ``smcat.service.app.Service`` before FastAPI's generic layers (they
# cost more than resolving and answering: bench/bench_http.py); this route documents the endpoint
# (parameters, answer model, error bodies) and serves every request the fast path passes on.
router.add_api_route(
    "/image",
    get_image,
    methods=["GET"],
    response_model=ImageAnswer,
    responses={304: {"description": "Not modified"}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    openapi_extra={"parameters": _OPENAPI_PARAMS},
)
