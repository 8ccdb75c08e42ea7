"""Sweep smcat against the SageMaker SDK over every query the SDK's image configuration allows.

    python bench/bench_sdk_sweep.py --sdk-python /path/to/venv-with-sagemaker/bin/python [--examples 3]

The SDK (``pip install "sagemaker<3"`` into its own venv; never a dependency of smcat) enumerates
every (framework, scope, version or alias, base framework, processor, Python, region) its own
``image_uri_config`` allows and answers each with ``image_uris.retrieve()``, in that interpreter.
smcat answers the same queries from its current catalogue. Printed (issue 8 targets):

* coverage: queries the SDK answers that smcat answers too (target >= 99 %);
* agreement: same registry host, account and repository, and the same image: equal tags, or the
  SDK's tag is one smcat's record carries as a moving or SDK tag (target >= 99.5 %);
* strict equality with ``tag_style="moving"``: the same string (target >= 98 %);
* every class of difference, with counts and examples.

Prints figures; asserts nothing. Sets ``AWS_EC2_METADATA_DISABLED`` so neither side probes EC2.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

#: Runs inside the SDK's interpreter: enumerate the SDK's configuration and answer every query.
SDK_SIDE = r"""
import json, os, sys, time, logging
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
logging.disable(logging.CRITICAL)
from sagemaker import image_uris
import copy, functools
# The SDK re-reads and re-parses its JSON file on every call; remembering the parsed file (a deep
# copy per call, so nothing the SDK does can leak between calls) changes no answer and makes the
# 60,000-query sweep take minutes instead of most of an hour.
_load = functools.lru_cache(maxsize=None)(image_uris.config_for_framework)
image_uris.config_for_framework = lambda fw: copy.deepcopy(_load(fw))
# Likewise it re-reads botocore's 1.2 MB endpoints.json on every call (~20 ms, most of its time).
from sagemaker import utils as _sm_utils
_sm_utils._botocore_resolver = functools.lru_cache(maxsize=None)(_sm_utils._botocore_resolver)
cfg_dir = os.path.join(os.path.dirname(image_uris.__file__), "image_uri_config")
INSTANCE = {None: "ml.m5.xlarge", "cpu": "ml.m5.xlarge", "gpu": "ml.p3.2xlarge", "inf": "ml.inf1.xlarge",
            "inf1": "ml.inf1.xlarge", "inf2": "ml.inf2.xlarge", "neuronx": "ml.inf2.xlarge",
            "neuron": "ml.inf1.xlarge", "trn": "ml.trn1.2xlarge"}
SKIP = {"instance_gpu_info"}
class TC:  # a truthy training-compiler config
    pass
def scopes(doc):
    if "versions" in doc:
        for s in (doc.get("scope") or [None]):
            yield s, doc
    else:
        for k, v in doc.items():
            if isinstance(v, dict) and "versions" in v:
                yield k, v
def aliases(block, target):
    return [a for a, t in (block.get("version_aliases") or {}).items() if t == target and a != target]
queries = []
for fname in sorted(os.listdir(cfg_dir)):
    stem = fname[:-5]
    if not fname.endswith(".json") or stem in SKIP:
        continue
    doc = json.load(open(os.path.join(cfg_dir, fname)))
    for scope, block in scopes(doc):
        top = block.get("processors") or doc.get("processors")
        for version, vconf in block["versions"].items():
            spellings = [version] + aliases(block, version)
            leaves = []
            if "registries" in vconf:
                leaves.append((None, vconf))
            else:
                for base, bconf in vconf.items():
                    if isinstance(bconf, dict) and "registries" in bconf:
                        for bsp in [base] + aliases(vconf, base):
                            leaves.append((bsp, bconf))
            for bsp, leaf in leaves:
                procs = leaf.get("processors") or top or [None]
                pys = leaf.get("py_versions") or [None]
                for sp in spellings:
                    for proc in procs:
                        for py in pys:
                            for region in leaf["registries"]:
                                q = {"file": stem, "scope": scope, "version": sp, "base": bsp,
                                     "processor": proc, "py": py, "region": region}
                                kw = dict(region=region, version=sp, py_version=py, image_scope=scope)
                                fw = stem
                                inst = INSTANCE.get(proc, "ml.m5.xlarge")
                                if proc == "inf" and "neuronx" in stem:  # Inferentia 2 images
                                    inst = "ml.inf2.xlarge"
                                if scope == "inference_graviton":
                                    inst = "ml.c7g.xlarge"
                                if stem in ("huggingface-training-compiler", "pytorch-training-compiler"):
                                    fw = stem.split("-")[0]
                                    kw["training_compiler_config"] = TC()
                                elif stem in ("huggingface-neuron", "huggingface-neuronx", "pytorch-neuron"):
                                    fw = stem.rsplit("-", 1)[0]
                                    kw["inference_tool"] = stem.rsplit("-", 1)[1]
                                if scope == "eia":
                                    kw["accelerator_type"] = "ml.eia2.medium"
                                if bsp:
                                    kw["base_framework_version"] = bsp
                                kw["instance_type"] = inst
                                q["instance_type"] = inst
                                try:
                                    q["sdk"] = image_uris.retrieve(fw, **kw)
                                except Exception as e:  # the SDK refuses some combinations itself
                                    q["sdk_error"] = "%s: %s" % (type(e).__name__, str(e)[:120])
                                queries.append(q)
json.dump(queries, open(sys.argv[1], "w"))
"""


def _sdk_queries(sdk_python: str) -> list[dict]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    t0 = time.perf_counter()
    subprocess.run([sdk_python, "-c", SDK_SIDE, out], check=True, env={**os.environ})
    print(f"SDK: enumerated and answered in {time.perf_counter() - t0:.1f} s")
    return json.loads(Path(out).read_text())


def _smcat_kwargs(q: dict) -> dict:
    kw: dict = {"region": q["region"], "instance_type": q["instance_type"]}
    scope = q["scope"]
    if scope:
        kw["image_scope"] = scope
    if q["py"]:
        kw["py_version"] = q["py"]
    if q["base"]:
        kw["base_framework_version"] = q["base"]
    if scope == "eia":
        kw["accelerator_type"] = "ml.eia2.medium"
    return kw


def _split(uri: str) -> tuple[str, str, str]:
    host, _, rest = uri.partition("/")
    repo, _, tag = rest.partition(":")
    return host, repo, tag


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sdk-python", default=os.environ.get("SMCAT_SDK_PYTHON", "/work/sdkvenv/bin/python"))
    ap.add_argument("--examples", type=int, default=3, help="examples printed per class of difference")
    ap.add_argument("--json", dest="json_out", help="also write every difference to this file")
    ap.add_argument(
        "--sdk-answers",
        help="read (if it exists) or write the SDK's answers here, to re-run smcat's side alone",
    )
    args = ap.parse_args()
    if not Path(args.sdk_python).exists():
        sys.exit(
            f"No SDK interpreter at {args.sdk_python}: pip install 'sagemaker<3' into a venv and pass it."
        )

    from smcat.catalog.errors import SmcatError
    from smcat.catalog.resolve import resolve
    from smcat.catalog.store import open_store

    cached = Path(args.sdk_answers) if args.sdk_answers else None
    if cached and cached.exists():
        queries = json.loads(cached.read_text())
        print(f"SDK answers read from {cached}")
    else:
        queries = _sdk_queries(args.sdk_python)
        if cached:
            cached.write_text(json.dumps(queries))
    answered = [q for q in queries if "sdk" in q]
    print(f"queries enumerated from the SDK's configuration: {len(queries)}; the SDK answers {len(answered)}")
    snap = open_store().load()
    print(f"smcat catalogue: {snap.id} ({len(snap.images)} images)")
    classes: dict[str, list[str]] = collections.defaultdict(list)
    covered = agree = strict = 0
    t0 = time.perf_counter()
    for q in answered:
        kw = _smcat_kwargs(q)
        where = (
            f"{q['file']} {q['version']} {q['scope'] or ''} {q['processor'] or ''} {q['py'] or ''} "
            + (f"{q['base']} " if q["base"] else "")
            + q["region"]
        )
        try:
            pinned = resolve(q["file"], q["version"], snapshot=snap, **kw)
            moving = resolve(q["file"], q["version"], snapshot=snap, tag_style="moving", **kw)
        except SmcatError as e:
            classes[f"no answer: {type(e).__name__}"].append(f"{where}: {str(e)[:160]}")
            continue
        covered += 1
        sdk_host, sdk_repo, sdk_tag = _split(q["sdk"])
        host, repo, tag = _split(pinned.uri)
        known_tags = (
            set(pinned.record.tags) | {t for _, t in pinned.record.sdk_tags} if pinned.record else {tag}
        )
        if moving.uri == q["sdk"]:
            strict += 1
        if host == sdk_host and repo == sdk_repo and (tag == sdk_tag or sdk_tag in known_tags):
            agree += 1
            if moving.uri != q["sdk"]:
                classes["agree, but the moving string differs"].append(
                    f"{where}: sdk {q['sdk']} smcat {moving.uri}"
                )
            continue
        if host != sdk_host:
            kind = "different registry host/account"
        elif repo != sdk_repo:
            kind = "different repository"
        else:
            kind = "different tag"
        classes[kind].append(f"{where}: sdk {q['sdk']} smcat {pinned.uri}")
    dt = time.perf_counter() - t0
    n = len(answered) or 1
    print(f"smcat answered {len(answered)} queries (x2 styles) in {dt:.1f} s")
    print(f"coverage:               {covered / n:8.3%}  ({covered}/{len(answered)})   target >= 99 %")
    print(f"agreement:              {agree / n:8.3%}  ({agree}/{len(answered)})   target >= 99.5 %")
    print(f"strict equality moving: {strict / n:8.3%}  ({strict}/{len(answered)})   target >= 98 %")
    print("\nclasses of difference:")
    for kind, items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(items):6d}  {kind}")
        by_file = collections.Counter(i.split(" ", 1)[0] for i in items)
        print("          by file: " + ", ".join(f"{f} {c}" for f, c in by_file.most_common(8)))
        for ex in items[: args.examples]:
            print(f"          e.g. {ex}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(classes, indent=1))


if __name__ == "__main__":
    main()
