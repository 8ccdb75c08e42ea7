"""resolve(): query -> image URI and why, or a typed error that says what exists.

All cases run over a small hand-made snapshot (below), so they do not depend on the shipped catalogue.
"""

from __future__ import annotations

import json
import timeit
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smcat.catalog.errors import InvalidQuery, NoMatch
from smcat.catalog.models import ImageRecord, Provenance, Snapshot
from smcat.catalog.names import dns_suffix
from smcat.catalog.resolve import Resolution, framework_info, list_frameworks, resolve
from smcat.catalog.store import make_snapshot

DLC = "763104351884"
DLC_CN = "727897471807"
SKL = "683313688378"
DLC_REGIONS = {
    "us-east-1": DLC,
    "us-west-2": DLC,
    "ap-southeast-1": DLC,
    "eu-west-1": DLC,
    "cn-north-1": DLC_CN,
}
TODAY = date(2025, 6, 1)
USE1 = "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
SKL_USE1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/"
PROV = (
    Provenance(
        "dlc_image_data", "https://github.com/aws/deep-learning-containers/x.yml", "2025-05-30T00:00:00Z"
    ),
)


def img(framework, version, processor, repository, tags, **kw) -> ImageRecord:
    kw.setdefault("accounts", DLC_REGIONS)
    kw.setdefault("image_scope", "inference")
    kw.setdefault("provenance", PROV)
    return ImageRecord(
        framework=framework,
        version=version,
        processor=processor,
        repository=repository,
        tags=tuple(tags),
        **kw,
    )


def tf(version, processor, py, **kw) -> ImageRecord:
    scope = kw.pop("image_scope", "inference")
    tags = kw.pop("tags", None) or (f"{version}-{processor}", f"{version.rsplit('.', 1)[0]}-{processor}")
    return img(
        "tensorflow", version, processor, f"tensorflow-{scope}", tags, py_version=py, image_scope=scope, **kw
    )


IMAGES = (
    # TensorFlow inference: 2.0.x (past end of patch), 2.1.3 (us-east-1 only), 2.9/2.10 (ordering), 2.19.0
    tf("2.0.1", "cpu", "py3", eop="2021-01-01"),
    tf("2.0.1", "gpu", "py3", eop="2021-01-01"),
    tf("2.0.4", "cpu", "py3", eop="2022-01-01", ga="2020-01-01"),
    tf("2.0.4", "gpu", "py3", eop="2022-01-01", ga="2020-01-01", cuda="cu101", os="ubuntu18.04"),
    tf("2.1.3", "cpu", "py3", accounts={"us-east-1": DLC}),
    tf("2.1.3", "gpu", "py3", accounts={"us-east-1": DLC}),
    tf("2.9.3", "cpu", "py39"),
    tf("2.10.1", "cpu", "py39"),
    tf("2.19.0", "cpu", "py312", os="ubuntu22.04", platform="sagemaker", eop="2026-06-30"),
    tf("2.19.0", "gpu", "py312", cuda="cu125", os="ubuntu22.04", platform="sagemaker", eop="2026-06-30"),
    # a derived-tag twin of the gpu image in another repository: verbatim tags win
    img(
        "tensorflow",
        "2.19.0",
        "gpu",
        "tensorflow-inference-derived",
        ["2.19.0-gpu-py312"],
        py_version="py312",
        cuda="cu125",
        platform="sagemaker",
        derived_tags=True,
    ),
    # an EC2-only newer image: an alternative by default, the answer with platform="ec2"
    tf(
        "2.20.0",
        "gpu",
        "py312",
        platform="ec2",
        tags=("2.20.0-gpu-py312-cu125-ubuntu22.04-ec2", "2.20-gpu-ec2"),
    ),
    # Graviton
    img(
        "tensorflow",
        "2.19.0",
        "cpu",
        "tensorflow-inference-graviton",
        ["2.19.0-cpu-py312-ubuntu22.04-sagemaker"],
        py_version="py312",
        arch="arm64",
    ),
    # training scope
    tf("2.19.0", "gpu", "py312", image_scope="training"),
    # PyTorch: python versions, a neuronx image
    img(
        "pytorch",
        "2.6.0",
        "gpu",
        "pytorch-inference",
        ["2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker"],
        py_version="py312",
        cuda="cu124",
    ),
    img(
        "pytorch",
        "2.6.0",
        "gpu",
        "pytorch-inference",
        ["2.6.0-gpu-py311-cu124-ubuntu22.04-sagemaker"],
        py_version="py311",
        cuda="cu124",
    ),
    img(
        "pytorch",
        "2.6.0",
        "cpu",
        "pytorch-inference",
        ["2.6.0-cpu-py312-ubuntu22.04-sagemaker"],
        py_version="py312",
    ),
    img(
        "pytorch",
        "2.5.1",
        "gpu",
        "pytorch-inference",
        ["2.5.1-gpu-py311-cu124-ubuntu22.04-sagemaker"],
        py_version="py311",
        cuda="cu124",
    ),
    img(
        "pytorch",
        "2.5.1",
        "neuronx",
        "pytorch-inference-neuronx",
        ["2.5.1-neuronx-py310-sdk2.21.0-ubuntu22.04"],
        py_version="py310",
        accounts={"us-east-1": DLC, "us-west-2": DLC},
    ),
    img(
        "pytorch",
        "2.6.0",
        "gpu",
        "pytorch-training",
        ["2.6.0-gpu-py312-cu126-ubuntu22.04-sagemaker"],
        py_version="py312",
        image_scope="training",
    ),
    # first-party scikit-learn: one account, one region
    img(
        "sklearn",
        "1.0-1",
        "cpu",
        "sagemaker-scikit-learn",
        ["1.0-1-cpu-py3"],
        py_version="py3",
        accounts={"us-east-1": SKL},
    ),
    img(
        "sklearn",
        "1.2-1",
        "cpu",
        "sagemaker-scikit-learn",
        ["1.2-1-cpu-py3", "1.2-1"],
        py_version="py3",
        accounts={"us-east-1": SKL},
    ),
    # XGBoost: accounts implied by its registry family
    img(
        "xgboost",
        "1.7-1",
        "cpu",
        "sagemaker-xgboost",
        ["1.7-1"],
        py_version="py3",
        accounts={},
        registry_family="algorithms",
    ),
    # a built-in algorithm without python
    img("linear-learner", "1", "cpu", "linear-learner", ["1"], accounts={"us-east-1": "382416733822"}),
    # not resolvable: no tag
    img("mxnet", "1.9.0", "cpu", "mxnet-inference", [], py_version="py38"),
)
SNAPSHOT = Snapshot(
    id="20250601T000000Z-abcdef12",
    created_at="2025-06-01T00:00:00Z",
    images=IMAGES,
    registries={"algorithms": {"us-east-1": SKL, "cn-north-1": "450853457545"}},
)


def r(*args, **kw) -> Resolution:
    if len(args) < 3:  # these cases are about other parameters: ask in us-east-1 explicitly
        kw.setdefault("region", "us-east-1")
    return resolve(*args, snapshot=SNAPSHOT, today=TODAY, **kw)


# --------------------------------------------------------------------------- what resolves


@pytest.mark.parametrize(
    ("args", "kw", "uri"),
    [
        # the example: 2.0 -> newest 2.0.x, gpu, Singapore
        (("tensorflow", "2.0", "ap-southeast-1"), {"gpu": True},
         "763104351884.dkr.ecr.ap-southeast-1.amazonaws.com/tensorflow-inference:2.0.4-gpu"),
        # China: the China account and the .com.cn suffix
        (("tensorflow", "2.0", "cn-north-1"), {"gpu": True},
         "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/tensorflow-inference:2.0.4-gpu"),
        # aliases and case: keras -> tensorflow; no processor -> cpu first
        (("Keras", "2.0", "us-east-1"), {},
         USE1 + "tensorflow-inference:2.0.4-cpu"),
        # exact version
        (("tensorflow", "2.0.1", "us-east-1"), {"processor": "gpu"},
         USE1 + "tensorflow-inference:2.0.1-gpu"),
        # 2 -> newest 2.x (2.19 > 2.10 > 2.9: never string order); sagemaker before the newer ec2 image
        (("tensorflow", "2", "us-east-1"), {"gpu": True},
         USE1 + "tensorflow-inference:2.19.0-gpu"),
        # latest is the default version; the verbatim-tag image beats its derived twin
        (("tensorflow",), {"processor": "gpu"},
         USE1 + "tensorflow-inference:2.19.0-gpu"),
        # 2.1 is the 2.1.x family, not 2.10 or 2.19
        (("tensorflow", "2.1", "us-east-1"), {},
         USE1 + "tensorflow-inference:2.1.3-cpu"),
        # 2.10 vs 2.9
        (("tensorflow", "2.10"), {}, USE1 + "tensorflow-inference:2.10.1-cpu"),
        # a specifier
        (("tensorflow", ">=2.9,<2.11"), {},
         USE1 + "tensorflow-inference:2.10.1-cpu"),
        # ec2 on request
        (("tensorflow", "latest"), {"gpu": True, "platform": "ec2"},
         USE1 + "tensorflow-inference:2.20.0-gpu-py312-cu125-ubuntu22.04-ec2"),
        # an instance type picks the processor
        (("tensorflow", "2.19"), {"instance_type": "ml.g5.xlarge"},
         USE1 + "tensorflow-inference:2.19.0-gpu"),
        # Graviton by instance type
        (("tensorflow", "2.19"), {"instance_type": "ml.c7g.large"},
         USE1 + "tensorflow-inference-graviton:2.19.0-cpu-py312-ubuntu22.04-sagemaker"),
        # Graviton by processor
        (("tensorflow", "2.19"), {"processor": "graviton"},
         USE1 + "tensorflow-inference-graviton:2.19.0-cpu-py312-ubuntu22.04-sagemaker"),
        # the SageMaker SDK's graviton scope
        (("tensorflow", "2.19"), {"image_scope": "inference_graviton"},
         USE1 + "tensorflow-inference-graviton:2.19.0-cpu-py312-ubuntu22.04-sagemaker"),
        # gpu=False means cpu
        (("tensorflow", "2.19"), {"gpu": False},
         USE1 + "tensorflow-inference:2.19.0-cpu"),
        # training scope
        (("tensorflow", "2.19"), {"image_scope": "training", "gpu": True},
         USE1 + "tensorflow-training:2.19.0-gpu"),
        # torch -> pytorch, the newest python
        (("torch", "2.6", "us-west-2"), {"gpu": True},
         "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker"),
        # an exact python version
        (("pytorch", "2.6"), {"gpu": True, "py_version": "py311"},
         USE1 + "pytorch-inference:2.6.0-gpu-py311-cu124-ubuntu22.04-sagemaker"),
        # python spelled 3.11
        (("pytorch", "2.6"), {"gpu": True, "py_version": "3.11"},
         USE1 + "pytorch-inference:2.6.0-gpu-py311-cu124-ubuntu22.04-sagemaker"),
        # py3 matches any Python 3: the newest wins
        (("pytorch", "2.6"), {"gpu": True, "py_version": "py3"},
         USE1 + "pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker"),
        # Inferentia 2 -> neuronx
        (("pytorch", "latest"), {"instance_type": "ml.inf2.xlarge"},
         USE1 + "pytorch-inference-neuronx:2.5.1-neuronx-py310-sdk2.21.0-ubuntu22.04"),
        # processor=neuron covers neuronx images
        (("pytorch",), {"processor": "neuron"},
         USE1 + "pytorch-inference-neuronx:2.5.1-neuronx-py310-sdk2.21.0-ubuntu22.04"),
        # an instance type and an agreeing processor
        (("pytorch",), {"processor": "neuronx", "instance_type": "ml.trn1.2xlarge"},
         USE1 + "pytorch-inference-neuronx:2.5.1-neuronx-py310-sdk2.21.0-ubuntu22.04"),
        # cuda filter
        (("pytorch", "2.6"), {"cuda": "12.4"},
         USE1 + "pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker"),
        # os prefix filter
        (("tensorflow",), {"os": "ubuntu", "gpu": True},
         USE1 + "tensorflow-inference:2.19.0-gpu"),
        # sklearn, first-party family 1.2 -> 1.2-1
        (("scikit-learn", "1.2"), {}, SKL_USE1 + "sagemaker-scikit-learn:1.2-1-cpu-py3"),
        # sklearn exact first-party version
        (("sklearn", "1.0-1"), {}, SKL_USE1 + "sagemaker-scikit-learn:1.0-1-cpu-py3"),
        # sklearn latest
        (("sklearn",), {"instance_type": "ml.m5.xlarge"},
         SKL_USE1 + "sagemaker-scikit-learn:1.2-1-cpu-py3"),
        # accounts implied by the registry family; China account and suffix
        (("xgboost", "1.7-1", "cn-north-1"), {},
         "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1"),
        # an image without python matches any py_version
        (("linear_learner", "1"), {"py_version": "py310"},
         "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"),
        # a repository name is accepted as a framework name
        (("sagemaker-scikit-learn", "1.0"), {},
         SKL_USE1 + "sagemaker-scikit-learn:1.0-1-cpu-py3"),
        # a number from Python callers
        (("tensorflow", 2.1), {}, USE1 + "tensorflow-inference:2.1.3-cpu"),
        # local mode
        (("tensorflow", "2.0"), {"instance_type": "local_gpu"},
         USE1 + "tensorflow-inference:2.0.4-gpu"),
    ],
)  # fmt: skip
def test_resolves(args, kw, uri):
    assert r(*args, **kw).uri == uri


def test_result_explains_itself():
    res = r("tensorflow", "2.0", "ap-southeast-1", gpu=True)
    d = res.to_dict()
    assert json.loads(json.dumps(d)) == d  # JSON-safe
    assert d["account"] == DLC and d["region"] == "ap-southeast-1"
    assert d["repository"] == "tensorflow-inference"
    assert d["tag"] == "2.0.4-gpu" and d["moving_tags"] == ["2.0-gpu"]
    assert (d["framework"], d["version"], d["image_scope"]) == ("tensorflow", "2.0.4", "inference")
    assert (d["processor"], d["arch"], d["py_version"]) == ("gpu", "x86_64", "py3")
    assert (d["cuda"], d["os"], d["platform"]) == ("cu101", "ubuntu18.04", None)
    assert d["catalog_version"] == SNAPSHOT.id
    assert d["provenance"][0]["source"] == "dlc_image_data"
    assert d["lifecycle"]["ga"] == "2020-01-01" and d["lifecycle"]["eop"] == "2022-01-01"
    assert d["lifecycle"]["past_eop"] is True
    # the warning names the newest supported successor (sagemaker, same processor, in this region)
    assert "2.19.0" in d["lifecycle"]["warning"] and "past its end of patch" in d["lifecycle"]["warning"]
    assert [a["version"] for a in d["alternatives"]] == ["2.0.1"]
    assert set(d["alternatives"][0]) == {"uri", "version", "py_version", "processor", "platform"}
    assert res.record is not None and res.record.version == "2.0.4"
    assert "record" not in d


@pytest.mark.parametrize(
    ("kw", "past", "warning"),
    [
        ({"version": "2.19", "today": date(2025, 6, 1)}, False, None),  # supported
        (
            {"version": "2.19", "today": date(2026, 7, 1)},
            True,
            "no supported successor",
        ),  # past, nothing newer
        ({"version": "2.10"}, False, None),  # no EOP date known: no warning
        ({"version": "2.0.1"}, True, "2.19.0"),  # past, successor named
    ],
)
def test_lifecycle(kw, past, warning):
    kw.setdefault("today", TODAY)
    res = resolve("tensorflow", region="us-east-1", snapshot=SNAPSHOT, **kw)
    assert res.lifecycle.past_eop is past
    if warning is None:
        assert res.lifecycle.warning is None
    else:
        assert warning in res.lifecycle.warning


def test_ec2_builds_are_never_offered_to_a_sagemaker_query_and_alternatives_are_bounded():
    res = r("tensorflow", "2", gpu=True)
    assert res.platform == "sagemaker"
    assert not any(a.platform == "ec2" for a in res.alternatives)  # not made for SageMaker
    assert r("tensorflow", "2", gpu=True, platform="ec2").platform == "ec2"  # only when asked
    assert len(r("tensorflow").alternatives) <= 10


def test_today_defaults_to_the_real_date():
    res = resolve("tensorflow", "2.0.4", "us-east-1", snapshot=SNAPSHOT)
    assert res.lifecycle.past_eop is True


def test_loads_the_store_when_no_snapshot_is_given(monkeypatch, tmp_path):
    """No snapshot=: the default store ($SMCAT_CATALOG) answers, by version or its current one."""
    from smcat.catalog.store import open_store

    monkeypatch.setenv("SMCAT_CATALOG", str(tmp_path))
    open_store().publish(SNAPSHOT)
    res = resolve("tensorflow", "2.0", "us-east-1", catalog_version=SNAPSHOT.id[:8], today=TODAY)
    assert res.catalog_version == SNAPSHOT.id
    assert resolve("tensorflow", "2.0", "us-east-1", today=TODAY).catalog_version == SNAPSHOT.id


# --------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    ("args", "kw", "field", "said"),
    [
        # unknown framework: valid values and a close match
        (("tensorflo",), {}, "framework", "Did you mean 'tensorflow'"),
        (("caffe",), {}, "framework", "Frameworks in the catalogue: linear-learner, pytorch"),
        (("",), {}, "framework", "framework is required"),
        # malformed version
        (("tensorflow", "lolwat"), {}, "version", "Invalid version: 'lolwat'"),
        (("tensorflow", ["2.0"]), {}, "version", "Invalid version"),
        # malformed region
        (("tensorflow", "2.0", "Mars"), {}, "region", "Invalid region: 'Mars'"),
        (("tensorflow", "2.0", "us-east-1 "), {}, "region", "Invalid region"),
        (("tensorflow", "2.0", 42), {}, "region", "Invalid region"),
        # bad processor, bad flags
        (("tensorflow",), {"processor": "tpu"}, "processor", "Expected one of: cpu, gpu"),
        (("tensorflow",), {"gpu": "yes"}, "gpu", "Invalid gpu flag"),
        # contradictions
        (("tensorflow",), {"gpu": True, "processor": "cpu"}, "gpu", "Contradictory query: gpu=True"),
        (("tensorflow",), {"gpu": False, "processor": "gpu"}, "gpu", "Contradictory query: gpu=False"),
        (("tensorflow",), {"gpu": True, "instance_type": "ml.m5.large"}, "gpu", "Contradictory"),
        (("tensorflow",), {"gpu": False, "instance_type": "ml.p3.2xlarge"}, "gpu", "Contradictory"),
        (
            ("tensorflow",),
            {"processor": "cpu", "instance_type": "ml.g5.xlarge"},
            "instance_type",
            "needs processor",
        ),
        (
            ("tensorflow",),
            {"processor": "graviton", "instance_type": "ml.m5.large"},
            "instance_type",
            "x86_64",
        ),
        (
            ("tensorflow",),
            {"processor": "inf", "instance_type": "ml.inf2.xlarge"},
            "instance_type",
            "neuronx",
        ),
        # graviton scope on an x86 instance
        (
            ("tensorflow",),
            {"image_scope": "inference_graviton", "instance_type": "ml.m5.large"},
            "image_scope",
            "Contradictory",
        ),
        # bad instance type
        (("tensorflow",), {"instance_type": "ml.zz9.large"}, "instance_type", "Unknown instance family"),
        (("tensorflow",), {"instance_type": 7}, "instance_type", "Invalid instance type"),
        # bad python
        (("pytorch",), {"py_version": "python three"}, "py_version", "Expected e.g. 'py310'"),
        # a scope nobody has
        (
            ("tensorflow",),
            {"image_scope": "banana"},
            "image_scope",
            "Scopes in the catalogue: inference, training",
        ),
        # empty strings for optional filters
        (("tensorflow",), {"cuda": ""}, "cuda", "Invalid cuda"),
        (("tensorflow",), {"os": 3}, "os", "Invalid os"),
    ],
)
def test_invalid_query(args, kw, field, said):
    with pytest.raises(InvalidQuery) as exc:
        r(*args, **kw)
    assert exc.value.field == field
    assert said in str(exc.value)


def test_unknown_framework_lists_valid_values():
    with pytest.raises(InvalidQuery) as exc:
        r("tensorflo")
    assert exc.value.valid == ["linear-learner", "pytorch", "sklearn", "tensorflow", "xgboost"]


# --------------------------------------------------------------------------- no match


@pytest.mark.parametrize(
    ("args", "kw", "said", "suggestions"),
    [
        # a version that does not exist: nearest versions around it, newest first
        (("tensorflow", "2.5"), {}, "in us-east-1 for these options: 2.19.0, 2.10.1, 2.9.3, 2.1.3",
         {"versions": ["2.19.0", "2.10.1", "2.9.3", "2.1.3", "2.0.4", "2.0.1"]}),
        # a version that exists, but not in this region: the regions that have it
        (("tensorflow", "2.1", "eu-west-1"), {}, "Regions that have tensorflow 2.1.3: us-east-1",
         {"regions": ["us-east-1"]}),
        # a well-formed region nobody publishes in
        (("sklearn", "1.2", "ap-southeast-1"), {}, "Regions that have sklearn 1.2-1: us-east-1",
         {"regions": ["us-east-1"]}),
        # a processor that does not exist for the version: the processors that do
        (("sklearn", "1.2"), {"gpu": True}, "Processors for sklearn 1.2-1 in us-east-1: cpu",
         {"processors": ["cpu"]}),
        # Inferentia 1 for pytorch: only neuronx exists
        (("pytorch", "2.5"), {"instance_type": "ml.inf1.xlarge"}, "gpu, neuronx",
         {"processors": ["gpu", "neuronx"]}),
        # Graviton for a version without an arm64 image
        (("tensorflow", "2.0"), {"processor": "graviton"}, "Processors for tensorflow 2.0.4, 2.0.1",
         {"processors": ["cpu", "gpu"]}),
        # a python version that does not exist for the version
        (("pytorch", "2.6"), {"py_version": "py38", "gpu": True}, "Python versions for pytorch 2.6.0: py312",
         {"py_versions": ["py312", "py311"]}),
        # a scope the framework lacks, though others have it
        (("sklearn",), {"image_scope": "training"}, "sklearn has: inference",
         {"image_scopes": ["inference"]}),
        # cuda that does not exist
        (("pytorch", "2.6"), {"cuda": "cu118"}, "No pytorch inference image for version='2.6', cuda='cu118'",
         {"processors": []}),
        # ec2 platform for an old version
        (("tensorflow", "2.0"), {"platform": "ec2"}, "in us-east-1 for these options: 2.20.0",
         {"versions": ["2.20.0"]}),
        # a version that exists nowhere, newer than all
        (("tensorflow", "3"), {}, "tensorflow inference image for version='3'",
         {"image_scopes": ["inference", "training"]}),
        # accounts implied by the registry family: the regions of that family
        (("xgboost", "1.7-1", "eu-west-1"), {}, "Regions that have xgboost 1.7-1: cn-north-1, us-east-1",
         {"regions": ["cn-north-1", "us-east-1"]}),
    ],
)  # fmt: skip
def test_no_match_says_what_exists(args, kw, said, suggestions):
    with pytest.raises(NoMatch) as exc:
        r(*args, **kw)
    assert said in str(exc.value), str(exc.value)
    for key, value in suggestions.items():
        assert exc.value.suggestions[key] == value, exc.value.suggestions


def test_untagged_image_is_not_resolvable():
    with pytest.raises(InvalidQuery):
        r("mxnet")


# --------------------------------------------------------------------------- /frameworks


def test_list_frameworks():
    out = list_frameworks(SNAPSHOT)
    assert out["catalog_version"] == SNAPSHOT.id
    assert out["frameworks"]["tensorflow"] == {
        "image_scopes": ["inference", "training"],
        "latest_version": "2.20.0",
        "version_count": 7,
    }
    assert out["frameworks"]["sklearn"]["latest_version"] == "1.2-1"


def test_framework_info():
    info = framework_info(SNAPSHOT, "keras")
    assert info["framework"] == "tensorflow"
    assert info["versions"] == ["2.0.1", "2.0.4", "2.1.3", "2.9.3", "2.10.1", "2.19.0", "2.20.0"]
    assert info["versions_by_scope"]["training"] == ["2.19.0"]
    assert info["processors"] == ["cpu", "gpu"] and info["arches"] == ["arm64", "x86_64"]
    assert info["regions"] == sorted(DLC_REGIONS)
    assert info["platforms"] == ["ec2", "sagemaker"]
    with pytest.raises(InvalidQuery):
        framework_info(SNAPSHOT, "caffe")


# --------------------------------------------------------------------------- property


FRAMEWORKS = [
    "tensorflow",
    "keras",
    "torch",
    "pytorch",
    "sklearn",
    "scikit-learn",
    "xgboost",
    "hf",
    "",
    "caffe",
]
VERSIONS = ["latest", "2", "2.0", "2.0.4", "1.0-1", "1.2", "1.7-1", "9.9", "lolwat", "", "2.x", ">=2", "b1"]
REGIONS = ["us-east-1", "ap-southeast-1", "cn-north-1", "eu-west-1", "us-gov-west-1", "xx-fake-9", "Mars", ""]
PROCESSORS = [None, "cpu", "gpu", "inf", "neuron", "neuronx", "graviton", "tpu"]
INSTANCES = [None, "ml.p3.2xlarge", "ml.c7g.large", "ml.inf2.xlarge", "ml.m5.large", "ml.bogus.x", "local"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    framework=st.one_of(st.sampled_from(FRAMEWORKS), st.text(max_size=12)),
    version=st.one_of(st.sampled_from(VERSIONS), st.text(max_size=8)),
    region=st.one_of(st.sampled_from(REGIONS), st.text(max_size=12)),
    processor=st.sampled_from(PROCESSORS),
    gpu=st.sampled_from([None, True, False]),
    instance_type=st.sampled_from(INSTANCES),
    py_version=st.sampled_from([None, "py3", "py312", "3.11", "junk"]),
    image_scope=st.sampled_from(["inference", "training", "eia", "INFERENCE"]),
    platform=st.sampled_from([None, "sagemaker", "ec2"]),
)
def test_any_query_resolves_consistently_or_raises_a_typed_error(**query):
    try:
        res = r(**query)
    except (InvalidQuery, NoMatch):
        return
    rec = res.record
    host, path = res.uri.split("/", 1)
    account, _, _, region, suffix = host.split(".", 4)
    assert region == query["region"] == res.region
    accounts = rec.accounts or SNAPSHOT.registries[rec.registry_family]
    assert account == accounts[region] == res.account
    assert suffix == dns_suffix(region)
    assert path == f"{rec.repository}:{rec.tags[0]}"


# --------------------------------------------------------------------------- speed (a figure, not a gate)


def _big_snapshot(n: int = 5000) -> Snapshot:
    images = []
    frameworks = ["tensorflow", "pytorch", "mxnet", "huggingface", "sklearn", "xgboost", "djl-inference"]
    i = 0
    while len(images) < n:
        fw = frameworks[i % len(frameworks)]
        major, minor, patch = 1 + i % 3, (i // 7) % 25, (i // 175) % 6
        for proc in ("cpu", "gpu"):
            for py in ("py310", "py311", "py312"):
                for scope in ("inference", "training"):
                    v = f"{major}.{minor}.{patch}"
                    images.append(
                        img(
                            fw,
                            v,
                            proc,
                            f"{fw}-{scope}",
                            [f"{v}-{proc}-{py}"],
                            py_version=py,
                            image_scope=scope,
                        )
                    )
        i += 1
    return Snapshot(id="big", created_at="", images=tuple(images[:n]))


def test_speed_figure():
    big = _big_snapshot()
    queries = [
        ("tensorflow", "2.1", "us-east-1", {"gpu": True}),
        ("pytorch", "latest", "ap-southeast-1", {"instance_type": "ml.g5.xlarge"}),
        ("keras", "1", "cn-north-1", {}),
        ("sklearn", "3.4", "eu-west-1", {"py_version": "py311"}),
    ]
    for fw, v, reg, kw in queries:
        resolve(fw, v, reg, snapshot=big, **kw)  # warm the index and caches
    n = 2000
    per_call = min(
        timeit.repeat(
            lambda: [resolve(fw, v, reg, snapshot=big, **kw) for fw, v, reg, kw in queries],
            number=n // 4,
            repeat=3,
        )
    ) / (n // 4 * len(queries))
    print(f"resolve(): {per_call * 1e6:.1f} us/call over {len(big.images)} records")
    assert per_call < 1e-3  # a sanity bound; the figure itself is reported by bench/


def test_newest_build_variant_wins_within_one_version():
    # DJL ships one framework version per engine build; Neuron one per SDK: the newest build wins.
    accounts = {"us-west-2": "763104351884"}
    builds = [
        ImageRecord(
            "djl-inference",
            "0.36.0",
            "inference",
            "gpu",
            "djl-inference",
            tags=(f"0.36.0-lmi{v}-cu128",),
            py_version="py312",
            accounts=accounts,
            variant=f"lmi{v}",
        )
        for v in ("18.0.0", "20.0.0", "9.0.0")
    ]
    snap = make_snapshot(builds)
    res = resolve("djl-inference", "0.36", "us-west-2", gpu=True, snapshot=snap)
    assert res.tag == "0.36.0-lmi20.0.0-cu128"
    assert [a["uri"].rsplit(":", 1)[1] for a in res.to_dict()["alternatives"]] == [
        "0.36.0-lmi18.0.0-cu128",
        "0.36.0-lmi9.0.0-cu128",
    ]


# --------------------------------------------------------------------------- the region, like boto3


@pytest.mark.parametrize(
    ("env", "config", "region", "source"),
    [
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}, "", "eu-west-1", "AWS_REGION"),
        ({"AWS_DEFAULT_REGION": "cn-north-1"}, "", "cn-north-1", "AWS_DEFAULT_REGION"),
        ({}, "[default]\nregion = ap-southeast-1\n", "ap-southeast-1", "profile default"),
        (
            {"AWS_PROFILE": "work"},
            "[default]\nregion = x\n[profile work]\nregion = us-east-1\n",
            "us-east-1",
            "profile work",
        ),
    ],
)
def test_region_defaults_like_boto3_and_says_where_it_came_from(
    tmp_path, monkeypatch, env, config, region, source
):
    cfg = tmp_path / "config"
    cfg.write_text(config)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    res = resolve("tensorflow", "2.0", gpu=True, snapshot=SNAPSHOT, today=TODAY)
    assert (res.region, res.region_source) == (region, source)
    assert res.to_dict()["region_source"] == source


def test_no_region_anywhere_is_invalid_input_never_a_silent_us_east_1():
    with pytest.raises(InvalidQuery, match="No region given"):
        resolve("tensorflow", "2.0", snapshot=SNAPSHOT)


@pytest.mark.parametrize(
    ("region", "error", "text"),
    [
        ("us-east-7", InvalidQuery, "Unknown region: 'us-east-7'"),  # the shape of a region, but none is
        ("eu-wset-1", InvalidQuery, "Did you mean 'eu-west-1'"),
        ("US-EAST-1", InvalidQuery, "Invalid region"),
        ("ap-south-2", NoMatch, "Regions that have"),  # a real region without the image: no match
    ],
)
def test_unknown_regions_are_invalid_input_known_ones_without_the_image_are_no_match(region, error, text):
    with pytest.raises(error, match=text):
        resolve("tensorflow", "2.0.4", region, snapshot=SNAPSHOT)
