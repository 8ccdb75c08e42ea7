"""The files in deploy/ are valid for the systems that read them, and all run the same refresh.

- ``cronjob.yaml`` against the Kubernetes OpenAPI schemas shipped by ``kubernetes-validate``
  (strict: unknown fields are errors), for every minor version from 1.27 to the newest it ships.
- ``eventbridge-schedule.json`` against botocore's own model of Scheduler ``CreateSchedule``, and
  its universal-target ``Input`` against the model of the ECS operation it names.
- ``crontab`` as a system crontab line: five time fields in range, a user, a command.
- the ``smcat`` command line in each file parses with the real CLI (options exist, values valid).

No network: both validators read schemas and service models bundled in their packages.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from typing import Any

import botocore.session
import kubernetes_validate
import pytest
import yaml
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from kubernetes_validate.utils import all_versions, major_minor
from packaging.version import Version

from smcat.cli import cli
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
OLDEST_K8S = Version("1.27")
K8S_VERSIONS = sorted(
    {major_minor(v) for v in all_versions() if Version(major_minor(v)) >= OLDEST_K8S}, key=Version
)


def load_cronjob() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "cronjob.yaml").read_text())


def cronjob_container() -> dict[str, Any]:
    (container,) = load_cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return container


def load_schedule() -> dict[str, Any]:
    return json.loads((DEPLOY / "eventbridge-schedule.json").read_text())


def parse_smcat_args(argv: list[str]) -> dict[str, Any]:
    """Parse ``smcat COMMAND ...`` with the real click CLI without running it.

    Returns the command name under ``"command"`` and each option's parsed value under its flag.
    """
    assert argv[0].rsplit("/", 1)[-1] == "smcat", argv
    cmd = cli.get_command(cli.make_context("smcat", ["--help"], resilient_parsing=True), argv[1])
    assert cmd is not None, f"no smcat subcommand {argv[1]!r} in {argv}"
    params = cmd.make_context(argv[1], list(argv[2:])).params
    return {"command": argv[1], **{p.opts[0]: params[p.name] for p in cmd.params if p.opts}}


# --- Kubernetes -------------------------------------------------------------------------------


def test_the_shipped_schemas_cover_oldest_to_newest():
    assert str(OLDEST_K8S) in K8S_VERSIONS and len(K8S_VERSIONS) >= 5, K8S_VERSIONS


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_cronjob_is_valid_for_kubernetes(version):
    assert kubernetes_validate.validate(load_cronjob(), version, strict=True) == version


def test_kubernetes_1_27_needs_on_pod_conditions_next_to_on_exit_codes():
    # Why cronjob.yaml carries `onPodConditions: []`: 1.27 and 1.28 mark it required.
    bad = load_cronjob()
    for rule in bad["spec"]["jobTemplate"]["spec"]["podFailurePolicy"]["rules"]:
        rule.pop("onPodConditions")
    with pytest.raises(kubernetes_validate.ValidationError, match="onPodConditions"):
        kubernetes_validate.validate(bad, "1.27", strict=True)


def test_strict_validation_rejects_a_misspelt_field():
    bad = load_cronjob()
    bad["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["imagePullpolicy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePullpolicy"):
        kubernetes_validate.validate(bad, K8S_VERSIONS[-1], strict=True)


def test_cronjob_pod_matches_the_image_and_its_failure_policy():
    job = load_cronjob()["spec"]["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    (container,) = pod["containers"]
    # The podFailurePolicy names the container it watches.
    watched = {rule["onExitCodes"]["containerName"] for rule in job["podFailurePolicy"]["rules"]}
    assert watched == {container["name"]}
    # The Dockerfile's non-root user is the pod's user.
    user = re.search(r"^USER\s+(\d+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert user and pod["securityContext"]["runAsUser"] == int(user.group(1))
    assert parse_smcat_args(container["command"])["command"] == "refresh"


# --- EventBridge Scheduler --------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws_models():
    session = botocore.session.get_session()
    return session.get_service_model("scheduler"), session.get_service_model("ecs")


def test_schedule_is_a_valid_create_schedule_request(aws_models):
    scheduler, _ = aws_models
    validate_parameters(load_schedule(), scheduler.operation_model("CreateSchedule").input_shape)


@pytest.mark.parametrize(
    "change, complaint",
    [
        (lambda s: s.pop("ScheduleExpression"), "ScheduleExpression"),  # required
        (lambda s: s["FlexibleTimeWindow"].update(MaximumWindowInMinutes="30"), "MaximumWindowInMinutes"),
        (lambda s: s["Target"].update(Input={"Cluster": "smcat"}), "Input"),  # must be a JSON string
        (lambda s: s["Target"].update(RetryPolicy={"MaxRetries": 2}), "MaxRetries"),  # unknown member
    ],
)
def test_the_validator_catches_a_broken_request(aws_models, change, complaint):
    scheduler, _ = aws_models
    bad = copy.deepcopy(load_schedule())
    change(bad)
    with pytest.raises(ParamValidationError, match=complaint):
        validate_parameters(bad, scheduler.operation_model("CreateSchedule").input_shape)


def camel(value: Any) -> Any:
    """PascalCase keys (how Scheduler's universal targets spell API members) -> the model's camelCase."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def universal_target(schedule: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    m = re.fullmatch(r"arn:aws:scheduler:::aws-sdk:([a-z0-9]+):([a-zA-Z]+)", schedule["Target"]["Arn"])
    assert m, f"not a universal target ARN: {schedule['Target']['Arn']}"
    return m.group(1), m.group(2)[:1].upper() + m.group(2)[1:], json.loads(schedule["Target"]["Input"])


def test_universal_target_input_is_a_valid_ecs_run_task(aws_models):
    _, ecs = aws_models
    service, operation, payload = universal_target(load_schedule())
    assert (service, operation) == ("ecs", "RunTask")
    assert operation in ecs.operation_names
    validate_parameters(camel(payload), ecs.operation_model(operation).input_shape)
    assert payload["LaunchType"] == "FARGATE" and payload["Count"] == 1


def test_universal_target_validation_catches_a_wrong_member(aws_models):
    _, ecs = aws_models
    _, operation, payload = universal_target(load_schedule())
    payload["Overrides"]["ContainerOverrides"][0]["Cmd"] = payload["Overrides"]["ContainerOverrides"][0].pop(
        "Command"
    )
    with pytest.raises(ParamValidationError, match="cmd"):
        validate_parameters(camel(payload), ecs.operation_model(operation).input_shape)


def test_schedule_expression_is_a_scheduler_rate():
    # botocore checks types, not the expression grammar: rate(value unit), unit singular for 1.
    rate = r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)"
    m = re.fullmatch(rate, load_schedule()["ScheduleExpression"])
    assert m and int(m.group(1)) > 0 and (int(m.group(1)) == 1) == (not m.group(2).endswith("s"))


def test_schedule_container_override_runs_refresh_in_the_image_container():
    _, _, payload = universal_target(load_schedule())
    (override,) = payload["Overrides"]["ContainerOverrides"]
    assert override["Name"] == cronjob_container()["name"]
    assert parse_smcat_args(override["Command"])["command"] == "refresh"


# --- cron -------------------------------------------------------------------------------------

CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)


def cron_values(field: str, low: int, high: int) -> set[int]:
    """The values one numeric cron field selects (``*``, ``a``, ``a-b``, ``/step``, lists)."""
    values: set[int] = set()
    for part in field.split(","):
        rng, _, step = part.partition("/")
        if rng == "*":
            start, stop = low, high
        elif "-" in rng:
            start, stop = (int(x) for x in rng.split("-"))
        else:
            start = stop = int(rng)
            if step:
                stop = high
        if not (low <= start <= stop <= high) or (step and int(step) < 1):
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, stop + 1, int(step) if step else 1))
    return values


def crontab_entries() -> list[tuple[list[str], str, list[str]]]:
    """(five time fields, user, command argv) for each job line of deploy/crontab (a /etc/cron.d file)."""
    entries = []
    for line in (DEPLOY / "crontab").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7, f"need 5 time fields, a user and a command: {line!r}"
        entries.append((fields[:5], fields[5], shlex.split(fields[6])))
    return entries


def test_cron_field_parser_refuses_out_of_range():
    assert cron_values("17", 0, 59) == {17} and cron_values("*/6", 0, 23) == {0, 6, 12, 18}
    with pytest.raises(ValueError, match="outside"):
        cron_values("60", 0, 59)


def test_crontab_line_is_every_six_hours_as_the_smcat_user():
    (entry,) = crontab_entries()
    times, user, argv = entry
    selected = [cron_values(f, lo, hi) for f, (_, lo, hi) in zip(times, CRON_FIELDS, strict=True)]
    assert selected[0] == {17} and selected[1] == {0, 6, 12, 18}
    assert user == "smcat"
    assert argv[:2] == ["flock", "-n"]
    smcat = next(i for i, a in enumerate(argv) if a.endswith("/smcat"))
    end = argv.index(">>") if ">>" in argv else len(argv)
    assert parse_smcat_args(argv[smcat:end])["command"] == "refresh"


def test_every_deploy_file_runs_the_same_refresh():
    (cron,) = crontab_entries()
    cron_argv = cron[2][next(i for i, a in enumerate(cron[2]) if a.endswith("/smcat")) : cron[2].index(">>")]
    k8s_argv = cronjob_container()["command"]
    _, _, payload = universal_target(load_schedule())
    eb_argv = payload["Overrides"]["ContainerOverrides"][0]["Command"]
    parsed = [parse_smcat_args(a) for a in (cron_argv, k8s_argv, eb_argv)]
    assert parsed[0] == parsed[1] == parsed[2]
    assert parsed[0]["--catalog"] == "s3://BUCKET/smcat" and parsed[0]["--json"] is True
