"""Shell completion: the installed ``smcat`` prints a completion script and completes real names.

Click's mechanism: ``_SMCAT_COMPLETE={bash,zsh,fish}_source`` prints the script a shell evals;
the script calls ``smcat`` again with ``_SMCAT_COMPLETE=*_complete`` and the words typed so far.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smcat.cli import cli

BIN = Path(sys.executable).parent
SMCAT = shutil.which("smcat", path=str(BIN)) or "smcat"


def smcat(**env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **env,
    }
    return subprocess.run([SMCAT], env=full, capture_output=True, text=True, timeout=60)


def bash_complete(words: str) -> list[str]:
    """What ``smcat`` offers for the words typed so far (the last one being completed)."""
    parts = words.split(" ")
    out = smcat(_SMCAT_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1))
    assert out.returncode == 0, out.stderr
    return [line.split(",", 1)[1] for line in out.stdout.splitlines() if line.startswith("plain,")]


def visible_commands() -> set[str]:
    return {name for name, cmd in cli.commands.items() if not cmd.hidden}


@pytest.mark.parametrize(
    "shell, marker",
    [
        ("bash", "complete -o nosort -F _smcat_completion smcat"),
        ("zsh", "#compdef smcat"),
        ("fish", "complete --no-files --command smcat"),
    ],
)
def test_source_prints_a_completion_script(shell, marker):
    out = smcat(_SMCAT_COMPLETE=f"{shell}_source")
    assert out.returncode == 0, out.stderr
    assert marker in out.stdout and f"_SMCAT_COMPLETE={shell}_complete" in out.stdout


def test_completes_every_command_name():
    assert set(bash_complete("smcat ")) == visible_commands()


def test_completes_a_partial_command():
    offered = bash_complete("smcat re")
    assert offered and set(offered) == {c for c in visible_commands() if c.startswith("re")}
    assert "resolve" in offered


def test_completes_an_option_of_a_command():
    flags = {opt for p in cli.commands["resolve"].params for opt in p.opts if opt.startswith("--fr")}
    assert flags and set(bash_complete("smcat resolve --fr")) == flags


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_evaluates_the_script_and_fills_compreply():
    script = (
        'eval "$(_SMCAT_COMPLETE=bash_source smcat)"\n'
        "COMP_WORDS=(smcat cat); COMP_CWORD=1\n"
        "_smcat_completion smcat\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {
        **os.environ,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [c for c in sorted(visible_commands()) if c.startswith("cat")] == ["catalog"]
