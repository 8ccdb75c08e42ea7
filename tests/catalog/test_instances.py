"""SageMaker instance types -> processor and architecture."""

from __future__ import annotations

import pytest

from smcat.catalog.errors import InvalidQuery
from smcat.catalog.instances import instance_families, instance_profile


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("ml.p3.2xlarge", ("gpu", "x86_64")),  # V100
        ("ml.p3dn.24xlarge", ("gpu", "x86_64")),  # V100 with networking
        ("ml.p4d.24xlarge", ("gpu", "x86_64")),  # A100
        ("ml.p4de.24xlarge", ("gpu", "x86_64")),  # A100 80GB
        ("ml.p5.48xlarge", ("gpu", "x86_64")),  # H100
        ("ml.p5e.48xlarge", ("gpu", "x86_64")),  # H200
        ("ml.p5en.48xlarge", ("gpu", "x86_64")),  # H200, EFA
        ("ml.p6-b200.48xlarge", ("gpu", "x86_64")),  # a family name with a hyphen
        ("ml.g4dn.xlarge", ("gpu", "x86_64")),  # T4
        ("ml.g5.2xlarge", ("gpu", "x86_64")),  # A10G
        ("ml.g6e.xlarge", ("gpu", "x86_64")),  # L40S
        ("ml.gr6.4xlarge", ("gpu", "x86_64")),  # L4, more memory
        ("ml.g7e.2xlarge", ("gpu", "x86_64")),  # newest G
        ("ml.g5g.xlarge", ("gpu", "arm64")),  # Graviton + T4G
        ("ml.inf1.xlarge", ("inf", "x86_64")),  # Inferentia 1
        ("ml.inf2.xlarge", ("neuronx", "x86_64")),  # Inferentia 2
        ("ml.trn1.32xlarge", ("neuronx", "x86_64")),  # Trainium
        ("ml.trn1n.32xlarge", ("neuronx", "x86_64")),  # Trainium, networking
        ("ml.trn2.48xlarge", ("neuronx", "x86_64")),  # Trainium 2
        ("ml.c7g.large", ("cpu", "arm64")),  # Graviton 3
        ("ml.m7g.xlarge", ("cpu", "arm64")),  # Graviton 3
        ("ml.r8g.large", ("cpu", "arm64")),  # Graviton 4
        ("ml.c6gn.large", ("cpu", "arm64")),  # Graviton 2, networking
        ("ml.m5.xlarge", ("cpu", "x86_64")),  # general purpose Intel
        ("ml.t2.medium", ("cpu", "x86_64")),  # burstable
        ("ml.c5d.2xlarge", ("cpu", "x86_64")),  # compute, local disk
        ("ml.r7i.large", ("cpu", "x86_64")),  # memory, Intel
        ("ML.P3.2XLARGE", ("gpu", "x86_64")),  # case
        (" ml.m5.large ", ("cpu", "x86_64")),  # spaces
        ("ml.p3", ("gpu", "x86_64")),  # a family without a size
        ("local", ("cpu", "x86_64")),  # local mode
        ("local_gpu", ("gpu", "x86_64")),  # local mode with a GPU
    ],
)
def test_instance_profile(instance_type, expected):
    assert instance_profile(instance_type) == expected


@pytest.mark.parametrize(
    ("instance_type", "said"),
    [
        ("ml.zz9.xlarge", "Unknown instance family 'zz9'"),  # well formed, unknown family
        ("ml.eia1.medium", "Unknown instance family 'eia1'"),  # an accelerator, not an instance
        ("p3.2xlarge", "Expected 'ml.<family>.<size>'"),  # missing the ml. prefix (EC2 name)
        ("ml.", "Expected 'ml.<family>.<size>'"),  # empty family
        ("ml.p3.2xlarge.extra", "Expected 'ml.<family>.<size>'"),  # too many parts
        ("", "Expected 'ml.<family>.<size>'"),  # empty
        ("gpu", "Expected 'ml.<family>.<size>'"),  # a processor, not an instance type
    ],
)
def test_instance_profile_rejects(instance_type, said):
    with pytest.raises(InvalidQuery) as exc:
        instance_profile(instance_type)
    assert said in str(exc.value)
    assert "ml.p3.2xlarge" in str(exc.value)  # lists examples of valid types
    assert exc.value.field == "instance_type"
    assert "ml.g5" in exc.value.valid


@pytest.mark.parametrize("value", [None, 3, b"ml.p3.2xlarge"])
def test_instance_profile_rejects_non_strings(value):
    with pytest.raises(InvalidQuery):
        instance_profile(value)


def test_table_is_well_formed():
    table = instance_families()
    assert len(table) > 50
    for family, (processor, arch) in table.items():
        assert processor in {"cpu", "gpu", "inf", "neuronx"}, family
        assert arch in {"x86_64", "arm64"}, family
