"""Per-framework checks of a model artifact against its serving container's contract.

The layouts follow the SageMaker Python SDK framework docs and the container READMEs:
TF Serving loads SavedModels from numeric version directories; PyTorch >= 1.2 and MXNet >= 1.4
want model files at the top and the inference script under ``code/``; scikit-learn needs a
``model_fn``; XGBoost loads ``xgboost-model`` or runs a script; Hugging Face wants
``config.json`` + weights, or ``HF_MODEL_ID``. Every problem found is reported, each with a fix.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from smcat.catalog import names
from smcat.catalog.errors import InvalidQuery

from .errors import ContractError, Problem
from .layout import Entry, collect_entries, is_archive
from .limits import ArchiveLimits
from .safety import safety_problems

__all__ = ["FRAMEWORKS", "CheckReport", "canonical_framework", "check_model", "find_problems"]

_TORCH_SUFFIXES = (".pt", ".pth", ".pt2", ".ts", ".bin", ".safetensors", ".mar")
_HF_WEIGHTS = re.compile(r"^(pytorch_model.*\.bin|model.*\.safetensors|tf_model\.h5|flax_model\.msgpack)$")


@dataclass
class CheckReport:
    """What the check saw: the framework, the members, problems (fatal) and warnings."""

    framework: str
    version: str | None
    entries: list[Entry]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    program: str | None = None  # the inference script the container should run (code/<name>)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "version": self.version,
            "members": len(self.entries),
            "program": self.program,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": self.warnings,
            "ok": not self.problems,
        }


def canonical_framework(name: str) -> str:
    """The catalogue's name for ``name`` (any alias ``smcat.catalog.names`` knows: ``tf``, ``xgb``...),
    refused unless the importer has a contract check for it (``FRAMEWORKS``)."""
    fw = names.canonical_framework(name)
    if fw not in FRAMEWORKS:
        raise InvalidQuery(
            f"Unknown framework for import: {name!r}. Supported: {', '.join(FRAMEWORKS)}"
            " (or an alias such as 'tf', 'torch', 'xgb', 'hf')",
            field="framework",
            valid=list(FRAMEWORKS),
        )
    return fw


def _ver(version: str | None) -> Version | None:
    if not version:
        return None
    try:
        return Version(re.sub(r"-\d+$", "", version))  # "1.0-1" (first-party images) -> 1.0
    except InvalidVersion:
        return None


# --- helpers over the member list -------------------------------------------------------------------


def _files(entries: list[Entry]) -> dict[str, Entry]:
    return {e.arcname: e for e in entries if e.kind in ("file", "symlink", "hardlink")}


def _top_files(entries: list[Entry]) -> list[str]:
    return [n for n in _files(entries) if "/" not in n]


def _read(e: Entry, limit: int = 1 << 20) -> bytes | None:
    if e.source is None or e.kind != "file":
        return None
    with open(e.source, "rb") as f:
        return f.read(limit)


def _defines(e: Entry, func: str) -> bool | None:
    """Whether the script defines ``func`` (None when it cannot be read, e.g. inside an archive)."""
    data = _read(e, 10 << 20)
    if data is None:
        return None
    try:
        tree = ast.parse(data)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == func for n in tree.body)


def _program(entries: list[Entry], entry_point: str | None) -> str | None:
    files = _files(entries)
    if entry_point:
        return Path(entry_point).name
    if "code/inference.py" in files:
        return "inference.py"
    scripts = sorted(n for n in files if n.startswith("code/") and n.endswith(".py") and n.count("/") == 1)
    return scripts[0].split("/", 1)[1] if len(scripts) == 1 else None


def _is_torchscript(e: Entry) -> bool | None:
    if e.source is None or e.kind != "file":
        return None
    if not zipfile.is_zipfile(e.source):
        return False
    with zipfile.ZipFile(e.source) as z:
        names = z.namelist()
    return any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)


def _requirements(report: CheckReport, *, unsupported: bool = False) -> None:
    files = _files(report.entries)
    if "requirements.txt" in files and "code/requirements.txt" not in files:
        report.problems.append(
            Problem(
                "requirements.txt at the top level is not installed by the serving container",
                "move it to code/requirements.txt (or pass --source-dir with it)",
                "requirements.txt",
            )
        )
    if unsupported and "code/requirements.txt" in files:
        report.warnings.append(f"{report.framework} {report.version}: code/requirements.txt is ignored")


# --- per framework -----------------------------------------------------------------------------------


def _tensorflow(r: CheckReport, env: Mapping[str, str]) -> None:
    files = _files(r.entries)
    dirs = {e.arcname for e in r.entries if e.kind == "dir"}
    pbs = [n for n in files if n.endswith("saved_model.pb")]
    good = []
    for pb in pbs:
        parts = pb.split("/")
        if len(parts) in (2, 3) and parts[-2].isdigit():
            good.append(pb)
            vdir = "/".join(parts[:-1])
            if f"{vdir}/variables" not in dirs and not any(n.startswith(f"{vdir}/variables/") for n in files):
                r.problems.append(
                    Problem(
                        "SavedModel without a variables/ directory",
                        f"export the model with tf.saved_model.save so {vdir}/variables/ is written",
                        vdir,
                    )
                )
        elif pb == "saved_model.pb":
            r.problems.append(
                Problem(
                    "saved_model.pb at the top level: TF Serving loads numeric version directories",
                    "move saved_model.pb and variables/ into a version directory, e.g. 1/",
                    pb,
                )
            )
        else:
            r.problems.append(
                Problem(
                    "SavedModel not in a numeric version directory",
                    "lay it out as <version>/saved_model.pb or <model-name>/<version>/saved_model.pb",
                    pb,
                )
            )
    keras = [n for n in files if n.endswith((".h5", ".keras")) and not n.startswith("code/")]
    if not pbs:
        fix = "export a SavedModel into 1/ (model.export('1') or tf.saved_model.save(model, '1'))"
        if keras:
            r.problems.append(Problem("Keras file, but TF Serving needs a SavedModel", fix, keras[0]))
        else:
            r.problems.append(Problem("no saved_model.pb found", fix))
    _requirements(r)


def _pytorch(r: CheckReport, env: Mapping[str, str]) -> None:
    files = _files(r.entries)
    v = _ver(r.version)
    models = [n for n in _top_files(r.entries) if n.endswith(_TORCH_SUFFIXES)]
    if not models:
        r.problems.append(
            Problem(
                "no model file at the top level of the archive",
                "save the model as model.pt / model.pth (torch.jit.save or torch.save) at the top level",
            )
        )
    if v is not None and v < Version("1.2"):
        r.warnings.append("PyTorch < 1.2: the inference script is shipped in sourcedir.tar.gz, not code/")
        return
    script = f"code/{r.program}" if r.program else None
    if script is None or script not in files:
        scripted = _is_torchscript(files["model.pt"]) if "model.pt" in files else False
        if scripted and v is not None and v >= Version("1.6"):
            r.warnings.append("no code/inference.py: the container's default model_fn loads model.pt")
        else:
            r.problems.append(
                Problem(
                    "no inference script: PyTorch >= 1.2 containers run code/inference.py with model_fn",
                    "add code/inference.py defining model_fn(model_dir) (or pass --entry-point FILE)",
                    "code/inference.py",
                )
            )
    elif _defines(files[script], "model_fn") is False:
        r.problems.append(
            Problem(
                "inference script defines no model_fn",
                "define model_fn(model_dir) that loads and returns the model",
                script,
            )
        )
    _requirements(r, unsupported=v is not None and v < Version("1.3.1"))


def _sklearn(r: CheckReport, env: Mapping[str, str]) -> None:
    files = _files(r.entries)
    script = f"code/{r.program}" if r.program else None
    if script is None or script not in files:
        r.problems.append(
            Problem(
                "no entry point: the scikit-learn container needs a script with model_fn",
                "pass --entry-point inference.py defining model_fn(model_dir) (joblib.load the model)",
            )
        )
    elif _defines(files[script], "model_fn") is False:
        r.problems.append(
            Problem(
                "entry point defines no model_fn", "define model_fn(model_dir) returning the model", script
            )
        )
    if not [n for n in _top_files(r.entries) if n.endswith((".joblib", ".pkl", ".pickle", ".sav"))]:
        r.warnings.append("no .joblib/.pkl model file at the top level; model_fn must find the model itself")
    _requirements(r)


def _xgboost(r: CheckReport, env: Mapping[str, str]) -> None:
    files = _files(r.entries)
    script = f"code/{r.program}" if r.program and f"code/{r.program}" in files else None
    if "xgboost-model" in files:
        data = _read(files["xgboost-model"], 64 << 20)
        if data is not None and data.lstrip()[:1] == b"{":
            try:
                if "learner" not in json.loads(data):
                    raise ValueError
            except ValueError:
                r.problems.append(
                    Problem(
                        "xgboost-model looks like JSON but is not an XGBoost JSON model",
                        "save it with booster.save_model('xgboost-model') (JSON with a 'learner' key)",
                        "xgboost-model",
                    )
                )
    elif script is None:
        others = [n for n in _top_files(r.entries) if n.endswith((".json", ".ubj", ".bst", ".model", ".bin"))]
        fix = "name the booster file xgboost-model at the top level, or pass --entry-point with model_fn"
        if others:
            fix = f"rename {others[0]} to xgboost-model, or pass --entry-point with model_fn"
        r.problems.append(Problem("no xgboost-model file and no entry point", fix))
    if script is not None and _defines(files[script], "model_fn") is False and "xgboost-model" not in files:
        r.problems.append(Problem("entry point defines no model_fn", "define model_fn(model_dir)", script))
    _requirements(r)


def _mxnet(r: CheckReport, env: Mapping[str, str]) -> None:
    files = _files(r.entries)
    v = _ver(r.version)
    top = _top_files(r.entries)
    symbol = [n for n in top if n.endswith("-symbol.json")]
    params = [n for n in top if n.endswith(".params")]
    if not (symbol and params) and not [n for n in top if n.endswith((".onnx", ".mar"))]:
        r.problems.append(
            Problem(
                "no MXNet model files at the top level (<name>-symbol.json + <name>-0000.params)",
                "export with net.export('model') (Gluon) or mx.model.save_checkpoint, files at the top",
            )
        )
    if v is not None and v < Version("1.4"):
        r.warnings.append("MXNet < 1.4: the inference script is shipped in sourcedir.tar.gz, not code/")
    elif r.program is None or f"code/{r.program}" not in files:
        r.warnings.append("no code/inference.py: the container's default model_fn will be used")
    _requirements(r, unsupported=v is not None and v < Version("1.6"))


def _huggingface(r: CheckReport, env: Mapping[str, str]) -> None:
    files = _files(r.entries)
    if env.get("HF_MODEL_ID"):
        if "config.json" in files:
            r.warnings.append(
                "HF_MODEL_ID is set: the container downloads that model, the archive's is unused"
            )
        return
    if "config.json" not in files:
        r.problems.append(
            Problem(
                "no config.json at the top level",
                "save with model.save_pretrained(dir) (and the tokenizer), or set env HF_MODEL_ID",
                "config.json",
            )
        )
    else:
        data = _read(files["config.json"])
        if data is not None:
            try:
                json.loads(data)
            except ValueError:
                r.problems.append(
                    Problem("config.json is not valid JSON", "re-save it with save_pretrained", "config.json")
                )
    if not [n for n in _top_files(r.entries) if _HF_WEIGHTS.match(n)]:
        r.problems.append(
            Problem(
                "no model weights (model.safetensors, pytorch_model.bin, tf_model.h5) at the top level",
                "save with model.save_pretrained(dir), or set env HF_MODEL_ID to load from the Hub",
            )
        )
    if not env.get("HF_TASK") and "code/inference.py" not in files:
        r.warnings.append("HF_TASK not set: the toolkit infers the pipeline task from config.json")
    _requirements(r)


_CHECKS = {
    "tensorflow": _tensorflow,
    "pytorch": _pytorch,
    "sklearn": _sklearn,
    "xgboost": _xgboost,
    "mxnet": _mxnet,
    "huggingface": _huggingface,
}
#: The frameworks the importer can check and deploy (catalogue names; aliases are ``smcat.catalog.names``'s).
FRAMEWORKS: tuple[str, ...] = tuple(sorted(_CHECKS))


def find_problems(
    model: str | Path | None,
    framework: str,
    version: str | None = None,
    *,
    entry_point: str | Path | None = None,
    source_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    limits: ArchiveLimits | None = None,
) -> CheckReport:
    """Check ``model`` (directory, file or existing ``.tar.gz``) and return every problem found.

    Raises ArchiveRefused (a ContractError) when the model cannot be checked at all: an
    unreadable archive, or more members / expanded bytes than ``limits`` allow.
    """
    fw = canonical_framework(framework)
    env = dict(env or {})
    report = CheckReport(fw, version, [])
    paths = {"model": model, "entry_point": entry_point, "source_dir": source_dir}
    for what, p in paths.items():
        if p is not None and not Path(p).exists():
            report.problems.append(Problem(f"{what} does not exist", f"check the path {p}", str(p)))
    if model is None and not (fw == "huggingface" and env.get("HF_MODEL_ID")):
        report.problems.append(Problem("no model given", "pass a model directory, file or model.tar.gz"))
    if report.problems:
        return report
    if model is not None:
        mp = Path(model)
        if is_archive(mp) and (entry_point or source_dir):
            report.problems.append(
                Problem(
                    "entry point / source dir cannot be added to an existing archive",
                    "put the script under code/ in the archive, or pass the model directory instead",
                    str(mp),
                )
            )
        report.entries = collect_entries(
            mp,
            fw,
            entry_point=Path(entry_point) if entry_point else None,
            source_dir=Path(source_dir) if source_dir else None,
            limits=limits,
        )
        report.problems += safety_problems(report.entries)
    report.program = _program(report.entries, str(entry_point) if entry_point else None)
    if model is not None or fw != "huggingface":
        _CHECKS[fw](report, env)
    return report


def check_model(
    model: str | Path | None,
    framework: str,
    version: str | None = None,
    *,
    entry_point: str | Path | None = None,
    source_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    limits: ArchiveLimits | None = None,
) -> CheckReport:
    """Like ``find_problems`` but raises ContractError listing every problem."""
    report = find_problems(
        model, framework, version, entry_point=entry_point, source_dir=source_dir, env=env, limits=limits
    )
    if report.problems:
        raise ContractError(f"{model} is not a valid {report.framework} model artifact", report.problems)
    return report
