"""Contract checks per framework, and archive safety, on real files made in each test."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from smcat.catalog.names import FRAMEWORK_ALIASES
from smcat.importer import ContractError, check_model, find_problems
from smcat.importer.contracts import FRAMEWORKS, canonical_framework
from tests.resolver import import_models as m


def messages(report) -> str:
    return "\n".join(str(p) for p in report.problems)


# --- TensorFlow Serving -------------------------------------------------------------------------


def test_tf_savedmodel_in_version_dir_passes(tmp_path):
    report = check_model(m.tf_savedmodel(tmp_path / "tf"), "tensorflow", "2.16")
    assert report.problems == []


def test_tf_multi_model_layout_passes(tmp_path):
    m.tf_savedmodel(tmp_path / "tf" / "model_a")
    m.tf_savedmodel(tmp_path / "tf" / "model_b", version_dir="2")
    assert find_problems(tmp_path / "tf", "keras", "2.16").problems == []


def test_tf_failures_listed_together_with_fixes(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf", version_dir=None, variables=False)
    (root / "requirements.txt").write_text("numpy\n")
    with pytest.raises(ContractError) as exc:
        check_model(root, "tensorflow", "2.16")
    text = str(exc.value)
    assert "numeric version directories" in text and "1/" in text
    assert "code/requirements.txt" in text
    assert len(exc.value.problems) == 2
    assert all(p.fix for p in exc.value.problems)
    assert exc.value.exit_code == 2


def test_tf_missing_variables_and_keras_file(tmp_path):
    m.tf_savedmodel(tmp_path / "a", variables=False)
    assert "variables/" in messages(find_problems(tmp_path / "a", "tensorflow", "2.16"))
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "model.keras").write_bytes(b"PK\x03\x04")
    assert "Keras file" in messages(find_problems(tmp_path / "k", "tensorflow", "2.16"))


# --- PyTorch --------------------------------------------------------------------------------------


def test_pytorch_needs_inference_script(tmp_path):
    m.torchscript(tmp_path / "pt" / "model.pth")
    report = find_problems(tmp_path / "pt", "pytorch", "1.13")
    assert "code/inference.py" in messages(report)
    m.script(tmp_path / "pt" / "code" / "inference.py")
    assert find_problems(tmp_path / "pt", "pytorch", "1.13").problems == []


def test_pytorch_torchscript_model_pt_uses_default_handler(tmp_path):
    m.torchscript(tmp_path / "pt" / "model.pt")
    report = find_problems(tmp_path / "pt", "torch", "2.1")
    assert report.problems == []
    assert any("default model_fn" in w for w in report.warnings)


def test_pytorch_single_file_with_entry_point(tmp_path):
    model = m.torchscript(tmp_path / "model.pth")
    ep = m.script(tmp_path / "src" / "serve.py")
    report = check_model(model, "pytorch", "2.1", entry_point=ep)
    assert report.program == "serve.py"
    assert "code/serve.py" in {e.arcname for e in report.entries}


def test_pytorch_script_without_model_fn_and_no_model(tmp_path):
    m.script(tmp_path / "pt" / "code" / "inference.py", "def predict_fn(x, m):\n    return x\n")
    text = messages(find_problems(tmp_path / "pt", "pytorch", "2.1"))
    assert "no model file" in text and "no model_fn" in text


# --- scikit-learn ----------------------------------------------------------------------------------


def test_sklearn_needs_model_fn(tmp_path):
    m.sklearn_joblib(tmp_path / "sk" / "model.joblib")
    assert "model_fn" in messages(find_problems(tmp_path / "sk", "scikit-learn", "1.2-1"))
    ep = m.script(tmp_path / "inference.py")
    assert find_problems(tmp_path / "sk", "sklearn", "1.2-1", entry_point=ep).problems == []
    bad = m.script(tmp_path / "bad.py", "import joblib\n")
    assert "no model_fn" in messages(find_problems(tmp_path / "sk", "sklearn", "1.2-1", entry_point=bad))


# --- XGBoost ---------------------------------------------------------------------------------------


def test_xgboost_json_model_file(tmp_path):
    single = m.xgboost_json(tmp_path / "booster.json")
    assert find_problems(single, "xgboost", "1.7-1").problems == []  # a lone file becomes xgboost-model
    d = tmp_path / "dir"
    m.xgboost_json(d / "booster.json")
    assert "rename booster.json to xgboost-model" in messages(find_problems(d, "xgboost", "1.7-1"))
    (d / "booster.json").rename(d / "xgboost-model")
    assert find_problems(d, "xgboost", "1.7-1").problems == []
    (d / "xgboost-model").write_text('{"not": "a booster"}')
    assert "not an XGBoost JSON model" in messages(find_problems(d, "xgboost", "1.7-1"))


def test_xgboost_entry_point_route(tmp_path):
    (tmp_path / "x").mkdir()
    ep = m.script(tmp_path / "inference.py")
    assert find_problems(tmp_path / "x", "xgboost", "1.7-1", entry_point=ep).problems == []


# --- MXNet / Hugging Face --------------------------------------------------------------------------


def test_mxnet_layout(tmp_path):
    d = tmp_path / "mx"
    d.mkdir()
    (d / "model-symbol.json").write_text('{"nodes": []}')
    assert "MXNet model files" in messages(find_problems(d, "mxnet", "1.9"))
    (d / "model-0000.params").write_bytes(b"\x12\x01")
    assert find_problems(d, "mxnet", "1.9").problems == []


def test_huggingface(tmp_path):
    ok = m.hf_dir(tmp_path / "ok")
    assert find_problems(ok, "huggingface", "4.37").problems == []
    text = messages(find_problems(m.hf_dir(tmp_path / "bad", weights=False, config=False), "hf", "4.37"))
    assert "config.json" in text and "weights" in text
    assert find_problems(None, "huggingface", "4.37", env={"HF_MODEL_ID": "bert-base"}).problems == []


def test_missing_paths_and_unknown_framework(tmp_path):
    assert "does not exist" in messages(find_problems(tmp_path / "nope", "pytorch", "2.1"))
    from smcat.catalog.errors import InvalidQuery

    with pytest.raises(InvalidQuery, match="Supported"):
        find_problems(tmp_path, "caffe", "1")


# --- archive safety ---------------------------------------------------------------------------------


def _evil_archive(path: Path, kind: str) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        ok = tarfile.TarInfo("1/saved_model.pb")
        ok.size = 2
        tf.addfile(ok, io.BytesIO(b"ok"))
        ti = tarfile.TarInfo(
            {"dotdot": "../evil", "abs": "/etc/evil", "link": "1/link", "dev": "1/dev"}[kind]
        )
        if kind == "link":
            ti.type, ti.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        elif kind == "dev":
            ti.type = tarfile.CHRTYPE
        else:
            ti.size = 4
        tf.addfile(ti, io.BytesIO(b"evil") if ti.size else None)
    return path


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("dotdot", "'..'"),  # member name climbing out of the extraction dir
        ("abs", "absolute path"),  # member written over /etc
        ("link", "points outside"),  # symlink to a file outside the tree
        ("dev", "device"),  # character device
    ],
)
def test_unsafe_archive_rejected(tmp_path, kind, expected):
    archive = _evil_archive(tmp_path / "model.tar.gz", kind)
    with pytest.raises(ContractError, match=expected):
        check_model(archive, "tensorflow", "2.16")


def test_symlink_escaping_directory_rejected(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf")
    (tmp_path / "secret").write_text("s")
    os.symlink("../../secret", root / "1" / "leak")
    os.symlink("saved_model.pb", root / "1" / "inside")  # stays in the tree: fine
    problems = find_problems(root, "tensorflow", "2.16").problems
    assert [p.path for p in problems] == ["1/leak"]


def test_fifo_in_directory_rejected(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf")
    os.mkfifo(root / "pipe")
    assert "fifo" in messages(find_problems(root, "tensorflow", "2.16"))


@pytest.mark.parametrize(
    ("alias", "framework"),
    [(a, f) for a, f in FRAMEWORK_ALIASES.items() if f in FRAMEWORKS],
)
def test_every_alias_of_a_checked_framework_is_taken(alias, framework):
    # find_problems(m, "tf") and the CLI ask the same function, which asks smcat.catalog.names
    assert canonical_framework(alias) == framework
    assert canonical_framework(alias.upper().replace("-", "_")) == framework
