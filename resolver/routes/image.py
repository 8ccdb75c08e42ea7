"""``GET /image``: the question smcat answers."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from catalog.resolve import resolve
from fastapi import APIRouter, Query, Request, Response

from resolver.deps import SettingsDep, SnapshotDep
from resolver.schemas import ErrorBody, ImageAnswer

router = APIRouter(tags=["image"])


@router.get(
    "/image",
    response_model=ImageAnswer,
    responses={304: {"description": "Not modified"}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
async def get_image(
    request: Request,
    snapshot: SnapshotDep,
    settings: SettingsDep,
    framework: Annotated[str, Query(description="tensorflow, pytorch, sklearn, xgboost, huggingface, ...")],
    version: Annotated[str, Query(description="2.0 (newest 2.0.x), 2, 2.0.4, 1.0-1 or latest")] = "latest",
    region: Annotated[str, Query(description="AWS region code")] = "us-east-1",
    image_scope: Annotated[str, Query(description="inference, training, ...")] = "inference",
    gpu: Annotated[bool | None, Query()] = None,
    processor: Annotated[str | None, Query(description="cpu, gpu, inf, neuron, neuronx, graviton")] = None,
    instance_type: Annotated[str | None, Query(description="e.g. ml.p3.2xlarge")] = None,
    py_version: Annotated[str | None, Query(description="e.g. py310")] = None,
    cuda: str | None = None,
    os: str | None = None,
    platform: str | None = None,
) -> Response:
    """Resolve a framework, version and region to the ECR image URI, with the reasons."""
    etag = '"' + hashlib.sha256(f"{snapshot.id}?{request.url.query}".encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.cache_max_age}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    res = resolve(
        framework,
        version,
        region,
        image_scope=image_scope,
        gpu=gpu,
        processor=processor,
        instance_type=instance_type,
        py_version=py_version,
        cuda=cuda,
        os=os,
        platform=platform,
        snapshot=snapshot,
    )
    body = json.dumps(res.to_dict(), separators=(",", ":"))
    return Response(body, media_type="application/json", headers=headers)
