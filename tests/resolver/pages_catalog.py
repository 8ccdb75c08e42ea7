"""A small two-version catalogue for the page, feed and browser tests.

Version 1 has TensorFlow 2.19 and PyTorch 2.1 (past end of patch); version 2 adds PyTorch
2.2 (no dates), 2.9 (supported), 2.10 (ends within 90 days; ``2.10 > 2.9``), XGBoost in
eu-west-3, registry accounts and one conflict between sources. Lifecycle dates are relative
to today so the status badges stay what the tests say.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from smcat.catalog.models import Conflict
from smcat.catalog.store import Store, make_snapshot
from tests.records import rec


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


BASE = [
    rec(processor="cpu"),
    rec(),
    rec("pytorch", "2.1.0", processor="cpu", py_version="py310", ga="2023-10-15", eop="2024-12-31"),
    rec("pytorch", "2.1.0", py_version="py310", ga="2023-10-15", eop="2024-12-31"),
]
V1 = make_snapshot(BASE, now=datetime(2030, 1, 1, tzinfo=UTC))
ADDED = [
    rec("pytorch", "2.2.0", processor="cpu", py_version="py310"),
    rec("pytorch", "2.9.0", processor="cpu", py_version="py312", ga=_day(-200), eop=_day(400)),
    rec("pytorch", "2.10.0", processor="cpu", py_version="py312", ga=_day(-60), eop=_day(30)),
    rec("pytorch", "2.10.0", processor="gpu", py_version="py312", ga=_day(-60), eop=_day(30)),
    rec("xgboost", "1.7-1", processor="cpu", accounts={"eu-west-3": "683313688378"}),
]
REGISTRIES = {"dlc": {"us-east-1": "763104351884", "ap-southeast-1": "763104351884"}}
CONFLICT = Conflict(
    "dlc registry in us-east-1",
    "account",
    (("111111111111", "https://example.test/old.md"), ("763104351884", "https://example.test/new.yml")),
)
V2 = make_snapshot(
    [*BASE, *ADDED], registries=REGISTRIES, conflicts=[CONFLICT], now=datetime(2030, 1, 2, tzinfo=UTC)
)


def make_store(root: Path) -> Store:
    """A store at ``root`` with V1 then V2 published (V2 current)."""
    st = Store(root)
    st.publish(V1)
    st.publish(V2)
    return st
