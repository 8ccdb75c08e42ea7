"""Real, small model artifacts made on disk for the import tests (nothing downloaded)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

INFERENCE = "def model_fn(model_dir):\n    return None\n"


def tf_savedmodel(root: Path, *, version_dir: str | None = "1", variables: bool = True) -> Path:
    d = root / version_dir if version_dir else root
    d.mkdir(parents=True, exist_ok=True)
    (d / "saved_model.pb").write_bytes(b"\x08\x01\x12\x0fserving_default")  # SavedModel proto bytes
    if variables:
        (d / "variables").mkdir()
        (d / "variables" / "variables.index").write_bytes(b"\x00index")
        (d / "variables" / "variables.data-00000-of-00001").write_bytes(b"\x00" * 64)
    return root


def torchscript(path: Path) -> Path:
    """A zip laid out like torch.jit.save output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("model/data.pkl", b"\x80\x02}q\x00.")
        z.writestr("model/constants.pkl", b"\x80\x02).")
        z.writestr("model/code/__torch__.py", "class Model: pass\n")
        z.writestr("model/version", "3\n")
    return path


def sklearn_joblib(path: Path) -> Path:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"coef": [0.5, 1.5], "intercept": 0.1}, path)
    return path


def xgboost_json(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    model = {
        "learner": {
            "attributes": {},
            "gradient_booster": {"name": "gbtree", "model": {"trees": []}},
            "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "2"},
            "objective": {"name": "reg:squarederror"},
        },
        "version": [1, 7, 6],
    }
    path.write_text(json.dumps(model))
    return path


def hf_dir(root: Path, *, weights: bool = True, config: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if config:
        (root / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    if weights:
        (root / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    (root / "tokenizer.json").write_text("{}")
    return root


def script(path: Path, body: str = INFERENCE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path
