"""SageMaker steps of an import: the model, then an endpoint, a serverless endpoint or a transform job."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidImportRequest
from .step import Step

__all__ = [
    "check_serverless_image",
    "container_env",
    "endpoint_steps",
    "is_gpu_image",
    "model_step",
    "serverless_steps",
    "transform_steps",
    "validate_instance_type",
]

SUBMIT_DIRECTORY = "/opt/ml/model/code"


def validate_instance_type(instance_type: str) -> str:
    """Refuse a malformed or unknown instance type before any AWS call; return its processor.

    The instance-family table is the catalogue's (``smcat.catalog.instances``), shared with resolution.
    """
    from smcat.catalog.errors import InvalidQuery
    from smcat.catalog.instances import instance_profile

    try:
        processor, _arch = instance_profile(instance_type)
    except InvalidQuery as e:
        raise InvalidImportRequest(f"--instance-type: {e}", field="instance_type") from None
    return processor


def is_gpu_image(uri: str) -> bool:
    tag = uri.rsplit(":", 1)[-1] if ":" in uri.rsplit("/", 1)[-1] else ""
    return bool(re.search(r"(^|[-_.])(gpu|cu\d+)([-_.]|$)", tag))


def container_env(
    framework: str, region: str, *, program: str | None, env: Mapping[str, str] | None, log_level: int = 20
) -> dict[str, str]:
    """The environment the framework containers read (user values win)."""
    out: dict[str, str] = {}
    if program and framework != "tensorflow":
        out["SAGEMAKER_PROGRAM"] = program
        out["SAGEMAKER_SUBMIT_DIRECTORY"] = SUBMIT_DIRECTORY
    out["SAGEMAKER_REGION"] = region
    out["SAGEMAKER_CONTAINER_LOG_LEVEL"] = str(log_level)
    out.update(env or {})
    return out


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())]


def model_step(
    name: str,
    image: str,
    model_data_url: str | None,
    role: str,
    env: dict[str, str],
    tags: Mapping[str, str] | None,
) -> Step:
    container: dict[str, Any] = {"Image": image, "Environment": env}
    if model_data_url:
        container["ModelDataUrl"] = model_data_url
    params: dict[str, Any] = {"ModelName": name, "PrimaryContainer": container, "ExecutionRoleArn": role}
    if tags:
        params["Tags"] = _tags(tags)
    return Step(
        "sagemaker",
        "create_model",
        params,
        "register the SageMaker model",
        creates=f"model:{name}",
        undo=("delete_model", {"ModelName": name}),
    )


def _endpoint(name: str, config: str, tags: Mapping[str, str] | None) -> list[Step]:
    params: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": config}
    if tags:
        params["Tags"] = _tags(tags)
    return [
        Step(
            "sagemaker",
            "create_endpoint",
            params,
            "create the endpoint",
            creates=f"endpoint:{name}",
            undo=("delete_endpoint", {"EndpointName": name}),
        ),
        Step("sagemaker", "wait:endpoint_in_service", {"EndpointName": name}, "wait until InService"),
    ]


def _config(name: str, variant: dict[str, Any], tags: Mapping[str, str] | None) -> Step:
    params: dict[str, Any] = {"EndpointConfigName": name, "ProductionVariants": [variant]}
    if tags:
        params["Tags"] = _tags(tags)
    return Step(
        "sagemaker",
        "create_endpoint_config",
        params,
        "create the endpoint configuration",
        creates=f"endpoint-config:{name}",
        undo=("delete_endpoint_config", {"EndpointConfigName": name}),
    )


def endpoint_steps(
    model: str, config: str, endpoint: str, instance_type: str, count: int, tags: Mapping[str, str] | None
) -> list[Step]:
    variant: dict[str, Any] = {
        "VariantName": "AllTraffic",
        "ModelName": model,
        "InitialInstanceCount": count,
        "InstanceType": instance_type,
        "InitialVariantWeight": 1.0,
    }
    return [_config(config, variant, tags), *_endpoint(endpoint, config, tags)]


def check_serverless_image(image: str) -> None:
    """Refuse a GPU image for a serverless endpoint (serverless runs on CPU only)."""
    if is_gpu_image(image):
        raise InvalidImportRequest(
            f"Serverless endpoints run on CPU only, and {image} is a GPU image. Use a CPU image "
            "(--image-uri, or let smcat resolve one) or --mode endpoint with a GPU --instance-type.",
            field="mode",
        )


def serverless_steps(
    model: str,
    config: str,
    endpoint: str,
    image: str,
    memory_mb: int,
    concurrency: int,
    tags: Mapping[str, str] | None,
) -> list[Step]:
    check_serverless_image(image)
    if memory_mb not in (1024, 2048, 3072, 4096, 5120, 6144):
        raise InvalidImportRequest(
            f"Invalid --serverless-memory {memory_mb}: use 1024, 2048, 3072, 4096, 5120 or 6144 (MB)",
            field="serverless_memory_mb",
        )
    variant: dict[str, Any] = {
        "VariantName": "AllTraffic",
        "ModelName": model,
        "ServerlessConfig": {"MemorySizeInMB": memory_mb, "MaxConcurrency": concurrency},
    }
    return [_config(config, variant, tags), *_endpoint(endpoint, config, tags)]


def transform_steps(
    job: str,
    model: str,
    *,
    batch_input: str | None,
    batch_output: str | None,
    instance_type: str,
    count: int,
    content_type: str | None,
    split_type: str | None,
    tags: Mapping[str, str] | None,
) -> list[Step]:
    from .validate import validate_s3_uri

    batch_input = validate_s3_uri(batch_input, "batch_input")
    batch_output = validate_s3_uri(batch_output, "batch_output")
    tin: dict[str, Any] = {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": batch_input}}}
    if content_type:
        tin["ContentType"] = content_type
    if split_type:
        tin["SplitType"] = split_type
    params: dict[str, Any] = {
        "TransformJobName": job,
        "ModelName": model,
        "TransformInput": tin,
        "TransformOutput": {"S3OutputPath": batch_output},
        "TransformResources": {"InstanceType": instance_type, "InstanceCount": count},
    }
    if tags:
        params["Tags"] = _tags(tags)
    return [
        Step(
            "sagemaker",
            "create_transform_job",
            params,
            "start the batch transform job",
            creates=f"transform-job:{job}",
            undo=("stop_transform_job", {"TransformJobName": job}),
        ),
        Step(
            "sagemaker",
            "wait:transform_job_completed_or_stopped",
            {"TransformJobName": job},
            "wait for the transform job",
        ),
    ]
