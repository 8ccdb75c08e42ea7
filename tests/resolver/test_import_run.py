"""``run(plan, clients, progress)`` on its own, against the moto server: the plan's steps, in order,
recorded; on failure what this run created is deleted, newest first."""

from __future__ import annotations

import pytest

from smcat.importer import ImportFailed
from smcat.importer.core import prepare
from smcat.importer.plan import name_stamp, plan
from smcat.importer.request import build_request
from smcat.importer.run import run
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE
from tests.resolver.test_import_aws import EMPTY, Recorder, _fail_create_endpoint, leftovers, make_bucket

ACCOUNT = "123456789012"  # moto's account


@pytest.fixture
def planned(aws, tmp_path):
    """A plan for a real endpoint with the default bucket (its account given, as STS would), and
    a client per service from the moto session."""
    session, endpoint = aws
    root = tmp_path / "resnet"
    m.torchscript(root / "model.pth")
    m.script(root / "code" / "inference.py")
    request = build_request(
        root, framework="pytorch", version="2.1", region=REGION, role=ROLE, image_uri=IMAGE
    )
    the_plan = plan(request, prepare(request, tmp_path), stamp=name_stamp(), account=ACCOUNT)

    def clients(service):
        return session.client(service, region_name=REGION, endpoint_url=endpoint)

    return session, endpoint, the_plan, clients


def test_run_makes_exactly_the_planned_calls(planned):
    session, _, the_plan, clients = planned
    rec = Recorder(session)
    events = []
    result = run(the_plan, clients, lambda event, info: events.append((event, info.get("operation"))))
    assert result.calls == the_plan.steps and not result.dry_run and result.plan is the_plan
    assert result.bucket_created and result.uploaded
    assert result.created == [s.creates for s in the_plan.steps if s.creates]
    assert result.endpoint_name == the_plan.names["endpoint"] and result.model_arn.endswith(result.model_name)
    assert set(result.timings) == {s.operation for s in the_plan.steps}
    planned_ops = [f"{s.service}.{s.operation}" for s in the_plan.steps]
    assert [op for e, op in events if e == "step"] == planned_ops
    assert "sts" not in {svc for svc, _, _ in rec.calls}  # the account came with the plan
    sent = [p for svc, op, p in rec.calls if op.startswith("Create") and svc == "sagemaker"]
    assert sent == [s.params for s in the_plan.steps if s.operation.startswith("create_")]


def test_a_failed_step_rolls_back_newest_first_or_keeps_on_request(planned):
    session, endpoint, the_plan, clients = planned
    make_bucket(session, endpoint, f"sagemaker-{REGION}-{ACCOUNT}")
    _fail_create_endpoint(session)
    with pytest.raises(ImportFailed, match="quota") as exc:
        run(the_plan, clients)
    assert exc.value.step == "create the endpoint"
    assert [c.split(":")[0] for c in exc.value.deleted] == ["endpoint-config", "model", "s3-object"]
    assert leftovers(session, endpoint) == EMPTY  # the bucket was there before: kept

    with pytest.raises(ImportFailed) as kept:
        run(the_plan, clients, keep_on_failure=True)
    assert kept.value.deleted == [] and len(kept.value.left) == 3
    assert len(leftovers(session, endpoint)["models"]) == 1
