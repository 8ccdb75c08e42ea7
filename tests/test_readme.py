"""The README's examples work: every ``smcat`` command in a ```bash block runs (in-process, on
the catalogue shipped with smcat) and exits 0, and every offline ```python block runs.

A command is skipped, with the reason, when it cannot run offline on a fresh clone: it needs
AWS (``import``, ``verify``, ``s3://``), the network (``refresh`` without ``--mirror``), a
long-running process (``serve``), a file the reader brings (``./my_model``), or a value to
fill in (``VERSION``, ``[--markdown]``, ``...``). A command whose comment says ``needs ...``
is skipped with that comment as the reason: that is how the README says what an example needs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from smcat.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK_RE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)
_PLACEHOLDER_RE = re.compile(r"^[A-Z][A-Z_]+$|[\[<]|\.\.\.")


def blocks(lang: str) -> list[tuple[int, str]]:
    """(line number, text) of every ```lang block."""
    text = README.read_text()
    return [
        (text[: m.start()].count("\n") + 1, m.group(2))
        for m in _BLOCK_RE.finditer(text)
        if m.group(1) == lang
    ]


def commands(block: str) -> list[tuple[str, str]]:
    """(command, comment) per logical line: backslash continuations joined, blank/comment lines dropped."""
    out, pending = [], ""
    for line in block.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = pending + line, ""
        code = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if code:
            out.append((code, line[len(line.split(" #", 1)[0]) :].lstrip(" #")))
    return out


def smcat_commands() -> list[tuple[str, str, str]]:
    """(id, argv of one smcat command as a string, why it is skipped or '') for every bash block."""
    cases = []
    for lineno, block in blocks("bash"):
        for code, comment in commands(block):
            for segment in code.split("&&"):
                words = shlex.split(re.sub(r"\s*\[[^\]]*\]", "", segment))  # [optional] parts dropped
                env = [w for w in words if re.match(r"^[A-Z_]+=", w)]
                words = words[len(env) :] if words[: len(env)] == env else words
                if not words or Path(words[0]).name != "smcat":
                    continue
                redirect = next((i for i, w in enumerate(words) if w[:1] in "<>|" or w[:2] == "2>"), None)
                words = words[:redirect]  # what a shell would redirect is not an argument
                argv = " ".join(shlex.quote(w) for w in words[1:])
                cases.append((f"L{lineno}:{argv[:60]}", argv, why_skipped(words[1:], comment, env)))
    return cases


def why_skipped(args: list[str], comment: str, env: list[str]) -> str:
    if any(e.startswith("_SMCAT_COMPLETE=") for e in env):
        return "shell completion (tests/resolver/test_completion.py runs it through a shell)"
    if "needs" in comment:
        return comment[comment.index("needs") :]
    if any(_PLACEHOLDER_RE.search(a) for a in args):
        return "has a value to fill in"
    if any(a.startswith("s3://") for a in args + env) or "--role" in args:
        return "needs AWS (an S3 bucket or an IAM role)"
    if args[0] in ("import", "verify") or "--verify" in args:
        return "needs AWS credentials"
    if args[0] == "serve":
        return "runs until stopped (tests/resolver/test_serve_start.py runs it)"
    if args[0] == "refresh" and "--mirror" not in args:
        return "needs the network"
    missing = [a for a in args if a.startswith(("./", "../")) and not (README.parent / a).exists()]
    if missing:
        return f"needs {missing[0]} (the reader's own file)"
    return ""


CASES = smcat_commands()


def test_the_readme_has_runnable_commands():
    runnable = [c for c in CASES if not c[2]]
    assert len(runnable) >= 8, CASES  # the examples are really exercised, not all skipped


@pytest.mark.parametrize("argv, skip", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_readme_command(argv, skip, tmp_path, monkeypatch):
    if skip:
        pytest.skip(skip)
    monkeypatch.chdir(README.parent)
    env = {k: None for k in os.environ if k.startswith("SMCAT_")} | {"SMCAT_CATALOG": str(tmp_path)}
    res = CliRunner().invoke(cli, shlex.split(argv), env=env, catch_exceptions=False)
    assert res.exit_code == 0, f"smcat {argv}\n{res.output}"
    assert res.stdout.strip(), f"smcat {argv} printed nothing on stdout"


def test_the_air_gapped_refresh_with_the_development_mirror(tmp_path):
    """``smcat refresh --mirror DIR`` with DIR = the development replay of recorded sources."""
    mirror = README.parent.parent / "shared" / "sources" / "mirror"
    if not mirror.is_dir():
        pytest.skip(f"needs the development mirror {mirror}")
    (argv,) = [c[1] for c in CASES if c[1].startswith("refresh --mirror DIR")]
    args = [str(mirror) if a == "DIR" else a for a in shlex.split(argv)]
    res = CliRunner().invoke(
        cli, [*args, "--catalog", str(tmp_path / "new"), "--json"], catch_exceptions=False
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["outcome"] in ("published", "unchanged")  # same as shipped: unchanged


def test_the_first_command_prints_what_the_readme_says(tmp_path):
    text = README.read_text()
    promised = re.search(r"The first command prints `([^`]+)`", text).group(1)
    first = next(c for c in CASES if "resolve" in c[1])
    res = CliRunner().invoke(cli, shlex.split(first[1]), env={"SMCAT_CATALOG": str(tmp_path)})
    assert res.exit_code == 0 and res.stdout.strip() == promised, res.output


def test_the_readme_starts_with_install_then_tests():
    """The first command installs only the runtime; the second the test tools, then runs the tests
    with the command CI runs."""
    (first, _), (second, _) = commands(blocks("bash")[0][1])[:2]
    assert "pip install -e . " in first and "[test]" not in first
    assert "pip install -e '.[test]'" in second
    test_cmd = second.split("&&")[-1].strip()
    ci = (README.parent / ".ci" / "run").read_text()
    assert test_cmd in ci.splitlines(), f"{test_cmd!r} is not what .ci/run runs"


PY_NEEDS_AWS = ("import_model(", "verify(")


@pytest.mark.parametrize(
    "lineno, code", blocks("python"), ids=lambda v: f"L{v}" if isinstance(v, int) else ""
)
def test_readme_python_block(lineno, code, tmp_path, monkeypatch):
    if any(call in code for call in PY_NEEDS_AWS):
        pytest.skip("needs AWS credentials")
    monkeypatch.setenv("SMCAT_CATALOG", str(tmp_path))
    exec(compile(code, f"README.md:{lineno}", "exec"), {"__name__": "readme"})
