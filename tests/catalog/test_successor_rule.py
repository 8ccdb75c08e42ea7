"""One successor rule: the EOL report and the resolver's past-EOP warning name the same image.

The rule (``smcat.catalog.lifecycle``): same line (framework, repository, scope, processor,
architecture, EC2 or not), a newer version, supported today; the newest version first and, within
it, the image the resolver would answer. The resolver adds one condition: published in the region
asked. Each case below is one where the two paths used to disagree.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from smcat.catalog.lifecycle import eol_report
from smcat.catalog.models import ImageRecord
from smcat.catalog.resolve import resolve
from smcat.catalog.store import Store, make_snapshot, shipped_dir

TODAY = date(2026, 1, 15)
PAST = "2025-01-01"
ALL = {"us-east-1": "763104351884", "eu-west-1": "763104351884"}


def img(fw, repo, version, *, py="py310", platform="sagemaker", eop=None, accounts=None) -> ImageRecord:
    return ImageRecord(
        framework=fw,
        version=version,
        image_scope="inference",
        processor="gpu",
        repository=repo,
        tags=(f"{version}-gpu-{py}",),
        py_version=py,
        platform=platform,
        accounts=accounts or ALL,
        eop=eop,
    )


SNAP = make_snapshot(
    [
        # sources that do not say "sagemaker" are the same line as those that do (the report used to
        # stop at 1.5.0, the newest image that left its platform unsaid)
        img("pytorch", "pytorch-inference", "1.0.0", platform=None, eop=PAST),
        img("pytorch", "pytorch-inference", "1.5.0", platform=None),
        img("pytorch", "pytorch-inference", "2.0.0"),
        # two images of the successor version: both name the one the resolver answers (newest
        # Python), not the first in the snapshot (the report used to name py310)
        img("tensorflow", "tensorflow-inference", "1.0.0", eop=PAST),
        img("tensorflow", "tensorflow-inference", "2.0.0", py="py310"),
        img("tensorflow", "tensorflow-inference", "2.0.0", py="py311"),
        # one framework, two repositories: a PyTorch image's successor is never a TensorFlow one
        # (the resolver used to name huggingface-tensorflow-inference 4.5.0)
        img("huggingface", "huggingface-pytorch-inference", "4.0.0", eop=PAST),
        img("huggingface", "huggingface-pytorch-inference", "4.2.0"),
        img("huggingface", "huggingface-tensorflow-inference", "4.5.0"),
        # a successor past its own EOP is skipped; an EC2 build is another line
        img("mxnet", "mxnet-inference", "1.0.0", eop=PAST),
        img("mxnet", "mxnet-inference", "1.5.0"),
        img("mxnet", "mxnet-inference", "1.8.0", eop=PAST),
        img("mxnet", "mxnet-inference", "1.9.0", platform="ec2"),
        # the resolver's one extra condition: published in the region asked
        img("xgboost", "xgboost-inference", "1.0.0", eop=PAST),
        img("xgboost", "xgboost-inference", "1.5.0"),
        img("xgboost", "xgboost-inference", "2.0.0", accounts={"us-east-1": "763104351884"}),
        # the only successor is published elsewhere: the warning says so rather than "none"
        img("sklearn", "sklearn-inference", "1.0.0", eop=PAST),
        img("sklearn", "sklearn-inference", "1.2.0", accounts={"us-east-1": "763104351884"}),
    ],
    now=datetime(2026, 1, 1, tzinfo=UTC),
)

_NAMED = re.compile(r"successor is (?P<version>\S+) \((?P<repo>[^:]+):(?P<tag>[^)]+)\)")


def warned(res) -> tuple[str, str] | None:
    """(version, tag) the resolver's warning names, or None."""
    m = _NAMED.search(res.lifecycle.warning or "")
    return (m["version"], m["tag"]) if m else None


def reported(snap, repo: str, tag: str, today: date) -> tuple[str, str | None] | None:
    """(version, tag) the EOL report names for the image ``repo:tag``."""
    (row,) = [
        r for r in eol_report(snap, today=today, within_days=0) if (r["repository"], r["tag"]) == (repo, tag)
    ]
    nxt = row["successor"]
    return (nxt["version"], nxt["tag"]) if nxt else None


@pytest.mark.parametrize(
    ("framework", "version", "repo", "successor"),
    [
        ("pytorch", "1.0.0", "pytorch-inference", ("2.0.0", "2.0.0-gpu-py310")),
        ("tensorflow", "1.0.0", "tensorflow-inference", ("2.0.0", "2.0.0-gpu-py311")),
        ("huggingface", "4.0.0", "huggingface-pytorch-inference", ("4.2.0", "4.2.0-gpu-py310")),
        ("mxnet", "1.0.0", "mxnet-inference", ("1.5.0", "1.5.0-gpu-py310")),
        ("xgboost", "1.0.0", "xgboost-inference", ("2.0.0", "2.0.0-gpu-py310")),  # in us-east-1
    ],
)
def test_report_and_resolver_name_the_same_successor(framework, version, repo, successor):
    res = resolve(framework, version, "us-east-1", gpu=True, snapshot=SNAP, today=TODAY)
    assert res.repository == repo and res.lifecycle.past_eop
    assert warned(res) == successor
    assert reported(SNAP, repo, res.tag, TODAY) == successor


def test_the_resolver_names_only_a_successor_published_in_the_region_asked():
    res = resolve("xgboost", "1.0.0", "eu-west-1", gpu=True, snapshot=SNAP, today=TODAY)
    assert warned(res) == ("1.5.0", "1.5.0-gpu-py310")  # 2.0.0 is not published in eu-west-1


def test_a_successor_published_only_elsewhere_is_said_so():
    res = resolve("sklearn", "1.0.0", "eu-west-1", gpu=True, snapshot=SNAP, today=TODAY)
    assert warned(res) is None
    said = "no supported successor is published in eu-west-1 (other regions have one)"
    assert said in (res.lifecycle.warning or "")
    assert warned(resolve("sklearn", "1.0.0", "us-east-1", gpu=True, snapshot=SNAP, today=TODAY)) == (
        "1.2.0",
        "1.2.0-gpu-py310",
    )


def test_nothing_newer_and_supported_is_said_so():
    res = resolve("mxnet", "1.8.0", "us-east-1", gpu=True, snapshot=SNAP, today=TODAY)
    assert warned(res) is None and "no supported successor" in (res.lifecycle.warning or "")
    assert reported(SNAP, "mxnet-inference", "1.8.0-gpu-py310", TODAY) is None


SHIPPED = Store(shipped_dir()).load()


def test_over_the_shipped_catalogue_both_paths_agree_where_the_successor_is_published():
    """Every past-EOP image of the shipped catalogue the resolver answers for: its warning names
    the report's successor whenever that successor is published in the region."""
    today = date(2026, 1, 15)
    rows = {(r["repository"], r["tag"]): r for r in eol_report(SHIPPED, today=today, within_days=0)}
    accounts = {
        (r.repository, r.tags[0]): r.accounts or SHIPPED.registries.get(r.registry_family or "", {})
        for r in SHIPPED.images
        if r.tags
    }
    checked = 0
    for row in rows.values():
        if row["status"] != "past" or row["tag"] is None or row["platform"] == "ec2":
            continue
        region = "us-east-1"
        if region not in accounts.get((row["repository"], row["tag"]), {}):
            continue
        res = resolve(
            row["framework"], row["version"], region, image_scope=row["scope"], processor=row["processor"],
            py_version=row["py_version"], snapshot=SHIPPED, today=today,
        )  # fmt: skip
        answered = rows.get((res.repository, res.tag))
        if answered is None:  # the query reached an image without an EOP date
            continue
        nxt = answered["successor"]
        if nxt is None or region not in accounts.get((answered["repository"], nxt["tag"]), {}):
            continue
        assert warned(res) == (nxt["version"], nxt["tag"]), (row["repository"], row["tag"])
        checked += 1
    assert checked > 50  # the sweep reached real cases
