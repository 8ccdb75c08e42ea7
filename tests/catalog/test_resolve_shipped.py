"""Resolution over real facts: the catalogue shipped in the package, built from the recorded sources."""

from __future__ import annotations

import pytest

from smcat.catalog.errors import InvalidQuery, NoMatch
from smcat.catalog.resolve import resolve
from smcat.catalog.store import Store, shipped_dir

SHIPPED = Store(shipped_dir()).load()


@pytest.mark.parametrize(
    "args, kwargs, uri",
    [
        # the issue's example: the newest 2.0.x, GPU, Singapore; the docs page's <tag> derived as 2.0.4-gpu
        (("tensorflow", "2.0", "ap-southeast-1"), {"gpu": True},
         "763104351884.dkr.ecr.ap-southeast-1.amazonaws.com/tensorflow-inference:2.0.4-gpu"),
        # Keras is TensorFlow; China regions use the .com.cn suffix and their own DLC account
        (("keras", "2.19", "cn-north-1"), {},
         "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/tensorflow-inference:2.19.0-cpu-py312-ubuntu22.04-sagemaker"),
        # Cape Town has its own DLC account
        (("tensorflow", "2.19", "af-south-1"), {"gpu": True},
         "626614931356.dkr.ecr.af-south-1.amazonaws.com/tensorflow-inference:2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker"),
        # first-party scikit-learn lives in the algorithm registry, not the DLC account
        (("scikit-learn", "1.0-1", "us-east-1"), {},
         "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3"),
        (("sklearn", "1.0-1", "ap-southeast-1"), {},
         "121021644041.dkr.ecr.ap-southeast-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3"),
        # a built-in algorithm: its own account per region, tag "1"
        (("linear-learner", "latest", "eu-west-1"), {},
         "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"),
        # an instance type picks the processor; the verbatim pinned tag is preferred over a derived one
        (("pytorch", "1.8.1", "eu-west-1"), {"instance_type": "ml.g4dn.xlarge"},
         "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py36-cu111-ubuntu18.04"),
        # Graviton: cpu on arm64
        (("torch", "2.6", "us-east-1"), {"processor": "graviton"},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference-arm64:2.6.0-cpu-py312-ubuntu22.04-sagemaker"),
        # Inferentia 2: neuronx, newest Neuron SDK build of the version
        (("pytorch", "2.7", "us-east-1"), {"instance_type": "ml.inf2.xlarge"},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference-neuronx:2.7.0-neuronx-py310-sdk2.25.0-ubuntu22.04"),
        # training scope
        (("tensorflow", "2.16", "eu-west-1"), {"image_scope": "training", "gpu": True},
         "763104351884.dkr.ecr.eu-west-1.amazonaws.com/tensorflow-training:2.16.2-gpu-py310-cu123-ubuntu20.04-sagemaker"),
        # first-party version forms (1.7-1, 3.0-5, 3.2-0) ordered by real version semantics
        (("xgboost", "latest", "us-east-1"), {},
         "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.2-0"),
    ],
)  # fmt: skip
def test_real_facts(args, kwargs, uri):
    if len(args) < 3:
        kwargs.setdefault("region", "us-east-1")
    assert resolve(*args, snapshot=SHIPPED, **kwargs).uri == uri


@pytest.mark.parametrize(
    "args, kwargs, error, text",
    [
        # no sklearn 1.3-x was ever published: the error lists what is
        (("sklearn", "1.3-1", "us-east-1"), {}, NoMatch, r"1\.4-2, .*1\.2-1"),
        (("tensorfloww", "2.0", "us-east-1"), {}, InvalidQuery, "Did you mean 'tensorflow'"),
        # a region no partition and no source names is invalid input, with the near matches
        (("tensorflow", "2.0", "mars-central-1"), {}, InvalidQuery, "Unknown region: 'mars-central-1'"),
        (("tensorflow", "2.0", "us-east-7"), {}, InvalidQuery, "Unknown region: 'us-east-7'"),
    ],
)
def test_real_errors(args, kwargs, error, text):
    with pytest.raises(error, match=text):
        resolve(*args, snapshot=SHIPPED, **({"region": "us-east-1"} if len(args) < 3 else {}) | kwargs)


# The examples issue 8 found failing, each answered as the SageMaker SDK answers it (or better).
@pytest.mark.parametrize(
    "args, kwargs, uri",
    [
        (("xgboost", "1.7-1", "us-east-1"), {},
         "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"),
        (("sklearn", "1.2-1", "us-east-1"), {},
         "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
        (("pytorch", "2.1", "us-west-2"), {"gpu": True, "tag_style": "moving"},
         "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.1-gpu-py310"),
        (("tensorflow", "2.14", "us-east-1"), {"image_scope": "training", "gpu": True, "tag_style": "moving"},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:2.14-gpu-py310"),
        (("autogluon", "1.2", "us-east-1"), {"tag_style": "moving"},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/autogluon-inference:1.2-cpu-py311"),
        (("huggingface-llm", "2.0", "us-east-1"), {"gpu": True},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:"
         "2.4.0-tgi2.4.0-gpu-py311-cu124-ubuntu22.04-v2.2"),
        (("sagemaker-tritonserver", "25.09", "us-east-1"), {"gpu": True},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/sagemaker-tritonserver:25.09-py3"),
        (("tei", "1.2", "us-east-1"), {"gpu": True},
         "683313688378.dkr.ecr.us-east-1.amazonaws.com/tei:2.0.1-tei1.2.3-gpu-py310-cu122-ubuntu22.04"),
        (("pytorch", "2.1", "us-gov-east-1"), {"gpu": True, "tag_style": "moving"},
         "446045086412.dkr.ecr.us-gov-east-1.amazonaws.com/pytorch-inference:2.1-gpu-py310"),
        (("kmeans", "latest", "us-iso-east-1"), {},
         "490574956308.dkr.ecr.us-iso-east-1.c2s.ic.gov/kmeans:1"),
        (("xgboost", "1.5-1", "ca-west-1"), {},
         "190319476487.dkr.ecr.ca-west-1.amazonaws.com/sagemaker-xgboost:1.5-1"),
        (("kmeans", "latest", "eu-central-2"), {},
         "680994064768.dkr.ecr.eu-central-2.amazonaws.com/kmeans:1"),
        # a SageMaker build, never the -ec2 one
        (("tensorflow", "2.13", "us-east-1"), {"image_scope": "training", "gpu": True},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:2.13.0-gpu-py310"),
        # the exact version "1" is the legacy algorithm image
        (("xgboost", "1", "us-east-1"), {}, "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"),
        # Elastic Inference only when asked
        (("pytorch", "1.3.1", "us-east-1"), {},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:1.3.1-cpu-py3"),
        # py36 finds the py36 image; py3 the py3 one
        (("pytorch", "1.8.1", "us-east-1"), {"py_version": "py36", "tag_style": "moving"},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py36"),
        (("huggingface", "4.26", "us-east-1"), {"gpu": True, "base_framework_version": "tensorflow2.11"},
         "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-tensorflow-inference:"
         "2.11.0-transformers4.26.0-gpu-py39-cu112-ubuntu20.04"),
    ],
)  # fmt: skip
def test_issue_8_examples(args, kwargs, uri):
    assert resolve(*args, snapshot=SHIPPED, **kwargs).uri == uri
