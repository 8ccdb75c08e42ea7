"""Resolution as SageMaker SDK users mean it: spellings, moving tags, SDK parameters (hand-made snapshot)."""

from __future__ import annotations

import pytest

from smcat.catalog.errors import InvalidQuery, NoMatch
from smcat.catalog.models import ImageRecord, Provenance, Snapshot
from smcat.catalog.resolve import resolve

DLC = "763104351884"
GOV = "446045086412"
ACCOUNTS = {
    "us-east-1": DLC,
    "us-gov-east-1": GOV,
    "us-iso-east-1": "886529160074",
    "eusc-de-east-1": "1" * 12,
}
PROV = (Provenance("sdk-image-config", "https://raw.test/x.json", "t"),)
R = "us-east-1"


def rec(framework, version, processor, repository, tags, sdk=(), **kw) -> ImageRecord:
    kw.setdefault("accounts", ACCOUNTS)
    kw.setdefault("image_scope", "inference")
    return ImageRecord(
        framework=framework,
        version=version,
        processor=processor,
        repository=repository,
        tags=tuple(tags),
        sdk_tags=tuple(sorted(sdk)),
        provenance=PROV,
        **kw,
    )


IMAGES = (
    # TGI: the SDK spells "2.0" for TGI 2.4.0; 2.0.2 is the newest 2.0.x
    rec("huggingface-llm", "2.0.2", "gpu", "huggingface-pytorch-tgi-inference", ["2.3.0-tgi2.0.2-gpu-py310"],
        [("2.0.2", "2.3.0-tgi2.0.2-gpu-py310")], py_version="py310"),
    rec("huggingface-llm", "2.4.0", "gpu", "huggingface-pytorch-tgi-inference", ["2.4.0-tgi2.4.0-gpu-py311"],
        [("2.0", "2.4.0-tgi2.4.0-gpu-py311"), ("2.4.0", "2.4.0-tgi2.4.0-gpu-py311")], py_version="py311"),
    # PyTorch 2.1.0: a pinned DLC tag and the SDK's moving tags
    rec("pytorch", "2.1.0", "gpu", "pytorch-inference",
        ["2.1.0-gpu-py310-cu121-ubuntu20.04-sagemaker", "2.1.0-gpu-py310"],
        [("2.1", "2.1-gpu-py310"), ("2.1.0", "2.1.0-gpu-py310")], py_version="py310", platform="sagemaker"),
    # an EC2-only build of a newer version
    rec("pytorch", "2.2.0", "gpu", "pytorch-inference", ["2.2.0-gpu-py310-cu121-ubuntu20.04-ec2"],
        py_version="py310", platform="ec2"),
    # py3 and py36 of one version: two tags the SDK lists separately
    rec("pytorch", "1.8.1", "cpu", "pytorch-inference", ["1.8.1-cpu-py3"], [("1.8.1", "1.8.1-cpu-py3")],
        py_version="py3"),
    rec("pytorch", "1.8.1", "cpu", "pytorch-inference", ["1.8.1-cpu-py36-ubuntu18.04", "1.8.1-cpu-py36"],
        [("1.8.1", "1.8.1-cpu-py36")], py_version="py36"),
    # Elastic Inference: only when asked
    rec("pytorch", "1.8.1", "cpu", "pytorch-inference-eia", ["1.8.1-cpu-py36-eia"], image_scope="eia",
        py_version="py36"),
    # Hugging Face on two bases, and its Neuron build filed under the SDK's Neuron name
    rec("huggingface", "4.26.0", "gpu", "huggingface-pytorch-inference",
        ["1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04"],
        [("4.26/pytorch1.13", "1.13-transformers4.26-gpu-py39-cu117-ubuntu20.04")],
        py_version="py39", base_framework="pytorch", base_framework_version="1.13.1",
        variant="pytorch1.13.1"),
    rec("huggingface", "4.26.0", "gpu", "huggingface-tensorflow-inference",
        ["2.11.0-transformers4.26.0-gpu-py39-cu112-ubuntu20.04"],
        [("4.26/tensorflow2.11", "2.11-transformers4.26-gpu-py39-cu112-ubuntu20.04")],
        py_version="py39", base_framework="tensorflow", base_framework_version="2.11.0",
        variant="tensorflow2.11.0"),
    rec("huggingface-neuronx", "4.28.1", "neuronx", "huggingface-pytorch-inference-neuronx",
        ["1.13.0-transformers4.28.1-neuronx-py38-sdk2.9.1-ubuntu20.04"], py_version="py38",
        base_framework="pytorch", base_framework_version="1.13.0"),
    # a first-party algorithm: the exact version "1" and a family member "1.7-1"
    rec("xgboost", "1", "cpu", "xgboost", ["1"], [("1", "1")], accounts={R: "811284229777"}),
    rec("xgboost", "1.7-1", "cpu", "sagemaker-xgboost", ["1.7-1"], [("1.7-1", "1.7-1")],
        accounts={R: "683313688378"}),
)  # fmt: skip
SNAP = Snapshot(id="20261101T000000Z-0123abcd", created_at="2026-11-01T00:00:00Z", images=IMAGES)


def r(framework, version="latest", region=R, **kw):
    return resolve(framework, version, region, snapshot=SNAP, **kw)


def test_a_version_spelled_as_the_sdk_spells_it_is_the_sdks_image():
    assert r("tgi", "2.0", gpu=True).version == "2.4.0"  # the SDK's meaning of TGI "2.0"
    assert r("huggingface-llm", "2.0.x", gpu=True).version == "2.0.2"  # the family, spelled out
    assert r("xgboost", "1").repository == "xgboost"  # the exact version beats the 1.x family
    assert r("xgboost", "1.x").version == "1.7-1"


def test_moving_tag_is_the_sdks_string_and_pinned_stays_the_default():
    pinned = r("pytorch", "2.1", gpu=True)
    assert pinned.uri.endswith(":2.1.0-gpu-py310-cu121-ubuntu20.04-sagemaker")
    assert pinned.moving_uri == f"{DLC}.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-gpu-py310"
    moving = r("pytorch", "2.1", gpu=True, tag_style="moving")
    assert moving.uri == pinned.moving_uri and moving.pinned_uri == pinned.uri
    assert r("pytorch", "2.1.0", gpu=True, tag_style="moving").uri.endswith(":2.1.0-gpu-py310")
    with pytest.raises(InvalidQuery, match="tag_style"):
        r("pytorch", "2.1", tag_style="floating")


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-gov-east-1", f"{GOV}.dkr.ecr.us-gov-east-1.amazonaws.com"),
        ("us-iso-east-1", "886529160074.dkr.ecr.us-iso-east-1.c2s.ic.gov"),
        ("eusc-de-east-1", "111111111111.dkr.ecr.eusc-de-east-1.amazonaws.eu"),
    ],
)
def test_every_partition_gets_its_own_dns_suffix(region, host):
    assert r("pytorch", "2.1", region, gpu=True).uri.startswith(host + "/")


def test_ec2_only_builds_need_platform_ec2():
    assert r("pytorch", "2", gpu=True).version == "2.1.0"  # 2.2.0 exists only for EC2
    with pytest.raises(NoMatch, match="Only EC2 builds"):
        r("pytorch", "2.2", gpu=True)
    assert r("pytorch", "2.2", gpu=True, platform="ec2").tag.endswith("-ec2")


def test_py3_and_py36_match_both_ways_and_the_exact_one_comes_first():
    assert r("pytorch", "1.8.1", py_version="py36").tag == "1.8.1-cpu-py36-ubuntu18.04"
    assert r("pytorch", "1.8.1", py_version="py3").tag == "1.8.1-cpu-py3"
    assert r("pytorch", "1.8.1", py_version="3.6").py_version == "py36"


def test_elastic_inference_only_when_asked():
    assert r("pytorch", "1.8.1").repository == "pytorch-inference"
    assert r("pytorch", "1.8.1", accelerator_type="ml.eia2.medium").repository == "pytorch-inference-eia"
    with pytest.raises(InvalidQuery, match="accelerator_type"):
        r("pytorch", "1.8.1", accelerator_type="ml.p3.2xlarge")


def test_base_framework_version_picks_the_hugging_face_base():
    tf = r("huggingface", "4.26", gpu=True, base_framework_version="tensorflow2.11")
    assert tf.repository == "huggingface-tensorflow-inference"
    assert r("hf", "4.26", gpu=True, base_framework_version="pytorch1.13").repository.startswith(
        "huggingface-pytorch"
    )
    moving = r("huggingface", "4.26", gpu=True, base_framework_version="tensorflow2.11", tag_style="moving")
    assert moving.tag == "2.11-transformers4.26-gpu-py39-cu112-ubuntu20.04"
    with pytest.raises(InvalidQuery, match="base_framework_version"):
        r("huggingface", "4.26", base_framework_version="jax0.4")


def test_neuron_instances_and_the_inference_tool_reach_the_sdks_neuron_names():
    by_instance = r("huggingface", "4.28", instance_type="ml.inf2.xlarge")
    assert (by_instance.framework, by_instance.repository) == (
        "huggingface-neuronx",
        "huggingface-pytorch-inference-neuronx",
    )
    assert r("huggingface", "4.28", inference_tool="neuronx").framework == "huggingface-neuronx"
    with pytest.raises(InvalidQuery, match="inference_tool"):
        r("huggingface", "4.28", inference_tool="tpu")


def test_serverless_is_cpu_and_refuses_a_gpu():
    assert r("pytorch", "1.8.1", serverless=True).processor == "cpu"
    with pytest.raises(InvalidQuery, match="serverless"):
        r("pytorch", "2.1", serverless=True, gpu=True)
