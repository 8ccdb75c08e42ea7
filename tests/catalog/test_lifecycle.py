"""``eol_report``: images past or near end of patch, and their newest supported successor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from smcat.catalog.lifecycle import eol_report
from smcat.catalog.models import ImageRecord
from smcat.catalog.store import make_snapshot

TODAY = date(2026, 1, 15)


def img(
    version, eop, *, fw="pytorch", repo="pytorch-inference", proc="gpu", scope="inference", ga="2024-01-01"
):
    return ImageRecord(
        framework=fw,
        version=version,
        image_scope=scope,
        processor=proc,
        repository=repo,
        tags=(f"{version}-{proc}-py311",),
        platform="sagemaker",
        ga=ga,
        eop=eop,
    )


SNAP = make_snapshot(
    [
        img("2.1.0", "2025-06-01"),  # past
        img("2.2.0", "2026-02-01"),  # soon: 17 days
        img("2.3.0", "2026-12-01"),  # supported, beyond 90 days: not listed
        img("2.4.0", None),  # no date: never listed, but a supported successor
        img("2.10.0", "2026-01-01"),  # past, and newer than all (2.10 > 2.4): no successor
        img("2.1.0", "2025-06-01", proc="cpu"),  # past; the cpu line has no newer image
        img("2.0.0", "2026-01-15", proc="cpu"),  # reaches EOP today: still supported, 0 days left
        img("1.15.5", "2022-01-01", fw="tensorflow", repo="tensorflow-inference"),  # past
        img("2.13.0", "2026-03-01", fw="tensorflow", repo="tensorflow-inference"),  # soon
        img("2.14.0", "2026-03-02", fw="tensorflow", repo="tensorflow-training", scope="training"),  # soon
    ],
    now=datetime(2026, 1, 1, tzinfo=UTC),
)


def table(rows):
    return [
        (r["status"], r["framework"], r["repository"], r["version"], r["processor"], r["days_left"])
        for r in rows
    ]


def test_past_then_soon_grouped_by_framework_and_version():
    assert table(eol_report(SNAP, today=TODAY, within_days=90)) == [
        ("past", "pytorch", "pytorch-inference", "2.1.0", "cpu", -228),
        ("past", "pytorch", "pytorch-inference", "2.1.0", "gpu", -228),
        ("past", "pytorch", "pytorch-inference", "2.10.0", "gpu", -14),
        ("past", "tensorflow", "tensorflow-inference", "1.15.5", "gpu", -1475),
        ("soon", "pytorch", "pytorch-inference", "2.0.0", "cpu", 0),
        ("soon", "pytorch", "pytorch-inference", "2.2.0", "gpu", 17),
        ("soon", "tensorflow", "tensorflow-inference", "2.13.0", "gpu", 45),
        ("soon", "tensorflow", "tensorflow-training", "2.14.0", "gpu", 46),
    ]


@pytest.mark.parametrize(
    "version, proc, successor",
    [
        ("2.1.0", "gpu", "2.4.0"),  # the newest not past EOP (2.10.0 is past; 2.4.0 has no EOP date)
        ("2.2.0", "gpu", "2.4.0"),
        ("2.10.0", "gpu", None),  # nothing newer
        ("2.1.0", "cpu", None),  # 2.0.0 cpu is older; gpu images are another line
        ("2.0.0", "cpu", None),  # 2.1.0 cpu is past EOP: not a successor
    ],
)
def test_successor_is_the_newest_supported_image_of_the_same_line(version, proc, successor):
    rows = {(r["version"], r["processor"]): r for r in eol_report(SNAP, today=TODAY, within_days=90)}
    got = rows[(version, proc)]["successor"]
    assert (got["version"] if got else None) == successor
    if got:
        assert got["tag"] == f"{successor}-{proc}-py311"


def test_within_and_framework_filters():
    assert [r["version"] for r in eol_report(SNAP, today=TODAY, within_days=0)] == [
        "2.1.0",
        "2.1.0",
        "2.10.0",
        "1.15.5",
        "2.0.0",
    ]
    tf = eol_report(SNAP, today=TODAY, within_days=30, framework="tensorflow")
    assert [(r["version"], r["status"]) for r in tf] == [("1.15.5", "past")]
    assert eol_report(SNAP, today=date(2020, 1, 1), within_days=30) == []


def test_rows_carry_what_a_user_needs():
    row = eol_report(SNAP, today=TODAY, within_days=90)[0]
    assert row == {
        "status": "past",
        "framework": "pytorch",
        "version": "2.1.0",
        "scope": "inference",
        "processor": "cpu",
        "arch": "x86_64",
        "platform": "sagemaker",
        "py_version": None,
        "repository": "pytorch-inference",
        "tag": "2.1.0-cpu-py311",
        "ga": "2024-01-01",
        "eop": "2025-06-01",
        "days_left": -228,
        "successor": None,
    }
