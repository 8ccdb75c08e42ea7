"""Run an import plan: each step's AWS call in order, its answer recorded; on failure, what this
run created is deleted again, newest first (unless asked to keep it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smcat.catalog.errors import SmcatError

from .errors import ImportFailed
from .plan import Plan
from .request import Progress, emit
from .step import Step
from .upload import ensure_default_bucket, upload_archive

__all__ = ["ClientFor", "ImportResult", "run"]

#: A boto3 client by service name (``"s3"``, ``"sagemaker"``, ``"sts"``). Plan steps call operations
#: by name (``getattr(client, step.operation)``), so the clients are typed ``Any`` here.
ClientFor = Callable[[str], Any]


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    plan: Plan
    dry_run: bool
    image_uri: str
    s3_url: str | None
    sha256: str
    size: int
    uploaded: bool = False
    bucket_created: bool = False
    model_name: str | None = None
    model_arn: str | None = None
    endpoint_config_name: str | None = None
    endpoint_name: str | None = None
    endpoint_arn: str | None = None
    transform_job_name: str | None = None
    transform_job_arn: str | None = None
    training_job_name: str | None = None
    calls: list[Step] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, plan: Plan, *, dry_run: bool) -> ImportResult:
        """The result before any step ran: the plan, its image, archive and warnings."""
        return cls(
            plan, dry_run, plan.image_uri, plan.s3_url, plan.sha256, plan.size, warnings=list(plan.warnings)
        )

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k not in ("plan", "calls")}
        d["plan"] = self.plan.to_dict()
        d["calls"] = [f"{c.service}.{c.operation}" for c in self.calls]
        return d


def run(
    plan: Plan,
    clients: ClientFor,
    progress: Progress | None = None,
    *,
    overwrite: bool = False,
    keep_on_failure: bool = False,
) -> ImportResult:
    """Execute ``plan``'s steps in order with ``clients``; the result's ``timings``: seconds per step.

    ``overwrite``: a fixed S3 key holding a different object is replaced (else UploadConflict).
    A step that fails raises ImportFailed naming what was created, deleted (newest first) and
    left (``keep_on_failure``: all of it); when nothing was created yet, the step's own SmcatError.
    """
    result = ImportResult.of(plan, dry_run=False)
    done: list[Step] = []  # the steps that created something, oldest first
    clock = time.monotonic()
    for step in plan.steps:
        emit(progress, "step", title=step.title, operation=f"{step.service}.{step.operation}")
        try:
            out = _execute(step, clients, plan, overwrite, progress)
        except Exception as err:
            if not done and isinstance(err, SmcatError):
                raise  # nothing was created: the cause (missing bucket, S3 conflict...) is the error
            deleted, left = _rollback(done, clients, keep_on_failure)
            raise ImportFailed(
                step.title,
                err,
                created=[s.creates for s in done if s.creates],  # done holds steps that create
                deleted=deleted,
                left=left,
            ) from err
        result.calls.append(step)
        now = time.monotonic()
        result.timings[step.operation] = round(now - clock, 6)
        clock = now
        if step.creates and out is not False:
            done.append(step)
            result.created.append(step.creates)
        if step.operation == "upload_file":
            result.uploaded = out is not False
        elif step.operation == "ensure_bucket":
            result.bucket_created = bool(out)
        _record(result, step, out)
    return result


def _execute(step: Step, client: ClientFor, plan: Plan, overwrite: bool, progress: Progress | None) -> object:
    c = client(step.service)
    if step.operation == "ensure_bucket":
        p = step.params
        return ensure_default_bucket(c, p["Bucket"], p["Region"], p["ExpectedBucketOwner"])
    if step.operation == "upload_file":
        p = step.params
        assert plan.archive is not None  # an upload step is planned only when an archive was packaged
        outcome = upload_archive(
            c,
            plan.archive,
            p["Bucket"],
            p["Key"],
            p["Metadata"]["sha256"],
            overwrite=overwrite,
            progress=(lambda n: emit(progress, "upload_bytes", bytes=n)) if progress else None,
        )
        return outcome.uploaded
    if step.operation == "put_object":
        from .training import sourcedir_bytes

        put: object = c.put_object(**step.params, Body=sourcedir_bytes())
        return put
    if step.operation.startswith("wait:"):
        c.get_waiter(step.operation[5:]).wait(**step.params, WaiterConfig={"Delay": 15, "MaxAttempts": 240})
        return None
    answer: object = getattr(c, step.operation)(**step.params)
    return answer


def _record(result: ImportResult, step: Step, out: object) -> None:
    if not isinstance(out, dict):
        return
    p = step.params
    if step.operation == "create_model":
        result.model_name, result.model_arn = p["ModelName"], out.get("ModelArn")
    elif step.operation == "create_endpoint_config":
        result.endpoint_config_name = p["EndpointConfigName"]
    elif step.operation == "create_endpoint":
        result.endpoint_name, result.endpoint_arn = p["EndpointName"], out.get("EndpointArn")
    elif step.operation == "create_transform_job":
        result.transform_job_name, result.transform_job_arn = (
            p["TransformJobName"],
            out.get("TransformJobArn"),
        )
    elif step.operation == "create_training_job":
        result.training_job_name = p["TrainingJobName"]


def _rollback(done: list[Step], client: ClientFor, keep: bool) -> tuple[list[str], list[str]]:
    deleted: list[str] = []
    left: list[str] = []
    for step in reversed(done):
        what = step.creates or step.title  # done holds only steps that create something
        if keep or step.undo is None:
            left.append(what)
            continue
        op, params = step.undo
        try:
            getattr(client(step.service), op)(**params)
            deleted.append(what)
        except Exception:  # report, do not mask the original failure
            left.append(what)
    return deleted, left
