"""Two hand-made catalogue versions for the diff, release-notes and refresh-summary tests.

``V1`` -> ``V2``: TensorFlow 2.20.0 is new (four images), XGBoost is a new framework in a new
region (eu-west-3), and one TensorFlow 2.19.0 image is retired.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from smcat.catalog.models import Snapshot
from smcat.catalog.store import Store, make_snapshot
from smcat.cli import cli
from tests.records import rec


def snap(images, day: int) -> Snapshot:
    """A snapshot of ``images`` made on 2030-01-``day``."""
    return make_snapshot(images, now=datetime(2030, 1, day, tzinfo=UTC))


BASE = [rec(processor="cpu"), rec(), rec("pytorch", "2.1.0")]
V1 = snap(BASE, 1)
NEW_TF = [
    rec(version="2.20.0", scope=s, processor=p) for s in ("training", "inference") for p in ("cpu", "gpu")
]
XGB = rec("xgboost", "1.7-1", processor="cpu", accounts={"eu-west-3": "683313688378"})
V2 = snap([*BASE[1:], *NEW_TF, XGB], 2)


def two_versions(root: Path) -> Path:
    """A catalogue directory at ``root`` holding ``V1`` then ``V2`` (current)."""
    st = Store(root)
    st.publish(V1)
    st.publish(V2)
    return root


def smcat(*args: object) -> Result:
    """Run the ``smcat`` CLI in-process with ``args`` (stringified)."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
