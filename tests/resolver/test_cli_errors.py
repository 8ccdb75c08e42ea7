"""Issue 11: every expected CLI failure is one line on stderr, or with ``--json`` a problem
document on stdout with the HTTP API's members, and a documented exit code; a named catalogue
that does not exist is exit 2 unless the command creates it."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from smcat.catalog.store import shipped_dir
from smcat.cli import cli
from smcat.cli.errors import EXIT_CODES

#: the members an HTTP error body has (resolver/service/http_errors.py problem())
PROBLEM_KEYS = {"type", "title", "status", "detail", "error", "message"}


def smcat(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def catalog(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    return root


def one_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("smcat: error: ") and "Traceback" not in res.output
    return lines[0]


def problem(res) -> dict:
    body = json.loads(res.stdout)
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["detail"] == body["message"] and body["exit_code"] == res.exit_code
    assert body["type"] == f"urn:smcat:problem:{body['error']}"
    return body


# ---- the catalogue location ----------------------------------------------------------------------

NAMED = [
    ["resolve", "-f", "pytorch", "-v", "2", "-r", "eu-west-1"],
    ["catalog", "versions"],
    ["catalog", "show"],
    ["catalog", "status"],
    ["catalog", "eol"],
    ["catalog", "conflicts"],
    ["catalog", "notes"],
    ["catalog", "use", "latest"],
    ["verify", "--catalog-sample", "1", "-r", "eu-west-1"],
    ["serve", "--port", "1"],
]


@pytest.mark.parametrize("args", NAMED, ids=lambda a: " ".join(a[:2]))
def test_a_named_catalogue_that_does_not_exist_is_exit_2(tmp_path, args):
    missing = tmp_path / "nope"
    res = smcat(*args, "--catalog", str(missing))
    assert res.exit_code == 2
    line = one_line(res)
    assert str(missing) in line and "does not exist" in line and "smcat refresh --catalog" in line
    assert not missing.exists()  # nothing was created on the way


@pytest.mark.parametrize("args", NAMED[:3], ids=lambda a: " ".join(a[:2]))
def test_a_typo_in_smcat_catalog_names_the_variable(tmp_path, args):
    res = smcat(*args, env={"SMCAT_CATALOG": str(tmp_path / "typo")})
    assert res.exit_code == 2
    line = one_line(res)
    assert "(from SMCAT_CATALOG)" in line and "unset SMCAT_CATALOG" in line


def test_a_file_is_not_a_catalogue(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    res = smcat("catalog", "versions", "--catalog", str(f))
    assert res.exit_code == 2 and "is a file, not a directory" in one_line(res)
    res = smcat("catalog", "versions", "--catalog", str(f), "--json")
    body = problem(res)
    assert res.exit_code == 2 and body["field"] == "--catalog" and body["status"] == 422


def test_refresh_creates_the_catalogue_it_names(tmp_path):
    """refresh is the command that creates a catalogue: a missing directory is not an error
    (here its mirror is empty, so it is refused: exit 4, not 2)."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    res = smcat("refresh", "--mirror", str(mirror), "--catalog", str(tmp_path / "new"), "--json")
    assert res.exit_code == 4, res.output
    assert json.loads(res.stdout)["outcome"] == "refused"


def test_an_existing_empty_directory_is_a_catalogue(tmp_path):
    res = smcat("catalog", "versions", "--catalog", str(tmp_path), "--json")
    assert res.exit_code == 0 and any(v["shipped"] for v in json.loads(res.stdout))


# ---- errors as one line, or JSON with the API's members -------------------------------------------


@pytest.mark.parametrize(
    "args, code, error, field",
    [
        (["resolve", "-f", "nosuchframework", "-r", "eu-west-1"], 2, "invalid_query", "framework"),
        (["resolve", "-f", "pytorch", "-v", "0.0.1", "-r", "eu-west-1"], 3, "no_match", None),
        (["resolve", "-r", "eu-west-1"], 2, "invalid_query", "--framework"),  # missing option
        (["resolve", "-f", "pytorch", "--bogus"], 2, "invalid_query", None),  # unknown option
        (["catalog", "show", "19990101"], 2, "catalog_version_not_found", None),
        (["catalog", "eol", "--within", "soon"], 2, "invalid_query", "--within"),
        (["verify", "-r", "eu-west-1"], 2, "invalid_query", None),
        (["scrape", "nosuchsource", "--file", __file__], 2, "invalid_query", None),
    ],
)
def test_errors_are_one_line_or_a_problem_document(args, code, error, field):
    res = smcat(*args)
    assert res.exit_code == code and res.stdout == ""
    one_line(res)
    res = smcat(*args, "--json")
    assert res.exit_code == code and res.stderr == ""
    body = problem(res)
    assert body["error"] == error
    if field:
        assert body["field"] == field
    if error == "no_match":
        assert body["status"] == 404 and body["suggestions"]


def test_unknown_command_is_one_line():
    res = smcat("nosuchcommand")
    assert res.exit_code == 2 and "No such command" in one_line(res)


def test_catalog_use_json(catalog):
    current = (catalog / "CURRENT").read_text().strip()
    res = smcat("catalog", "use", current, "--catalog", str(catalog), "--json")
    assert res.exit_code == 0
    body = json.loads(res.stdout)
    assert body == {"catalog": str(catalog), "current": current, "previous": current}
    res = smcat("catalog", "use", "20000101T000000Z-00000000", "--catalog", str(catalog), "--json")
    assert res.exit_code == 2 and problem(res)["error"] == "catalog_version_not_found"


def test_every_command_takes_json():
    """--json on every command, so scripts never parse prose."""

    def walk(group, path):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from walk(cmd, [*path, name])
            else:
                yield [*path, name], cmd

    missing = [" ".join(p) for p, cmd in walk(cli, []) if not any(o.name == "as_json" for o in cmd.params)]
    assert not missing, f"commands without --json: {missing}"


def test_exit_codes_are_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Exit codes") :]
    for code in EXIT_CODES:
        assert f"| `{code}` |" in section, code


# ---- grammar ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, noun, text",
    [
        (1, "image", "1 image"),
        (0, "image", "0 images"),
        (2, "lifecycle entry", "2 lifecycle entries"),
        (1, "registry account", "1 registry account"),
        (3, "registry account", "3 registry accounts"),
        (2, "child", "2 children"),
    ],
)
def test_plural(n, noun, text):
    from smcat.catalog.plural import plural

    assert plural(n, noun, "children" if noun == "child" else None) == text


def test_no_one_plurals_in_cli_output(catalog):
    """A catalogue with one image, one region, no conflicts: 'show' agrees in number."""
    from smcat.catalog.store import Store, make_snapshot

    st = Store(catalog)
    snap = st.load()
    one = snap.images[0]
    st.publish(make_snapshot([one], sources=snap.sources, registries=snap.registries))
    res = smcat("catalog", "show", "--catalog", str(catalog))
    assert res.exit_code == 0
    first = res.stdout.splitlines()[0]
    assert ": 1 image, " in first and "0 conflicts" in first, first
    assert "1 images" not in res.stdout and "1 regions" not in res.stdout


def test_problem_of_carries_what_an_import_error_says():
    """The importer's errors keep their details (problems, what was created and left) as members."""
    from smcat.cli.errors import problem_of
    from smcat.importer.errors import ArchiveRefused, ImportFailed, Problem

    body = problem_of(ArchiveRefused("m.tar.gz", Problem("not a tar", "use tar czf", "m.tar.gz")))
    assert body["exit_code"] == 2 and body["status"] == 422 and body["error"] == "archive_refused"
    assert body["problems"] == [{"path": "m.tar.gz", "message": "not a tar", "fix": "use tar czf"}]
    body = problem_of(
        ImportFailed("deploy", RuntimeError("boom"), created=["model m"], deleted=[], left=["model m"])
    )
    assert body["exit_code"] == 6 and body["step"] == "deploy" and body["left"] == ["model m"]
    assert body["status"] == 500 and body["type"] == "urn:smcat:problem:import_failed"
