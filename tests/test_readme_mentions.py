"""The README keeps up with the code: it mentions every CLI command, every registered source and the
schedulers. (``test_readme.py`` runs the README's examples.)"""

from __future__ import annotations

import click

from smcat.cli import cli
from tests.conftest import ROOT


def _commands(group: click.Group, prefix: str = "smcat") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(f"{prefix} {name}")
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix} {name}")
    return out


def test_readme_mentions_every_command():
    """Fails when a command (or a ``catalog`` subcommand) is added without a word in the README."""
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in _commands(cli) if c not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_lists_every_registered_source():
    """Fails when a scraper is registered without a row in the README's sources table."""
    from smcat.scrapers.registry import SCRAPERS

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Sources (scrapers)") : readme.index("## Keeping the catalogue fresh")]
    missing = [s.name for s in SCRAPERS if f"| `{s.name}` |" not in section]
    assert not missing, f"sources missing from README.md: {missing}"


def test_readme_documents_the_schedulers():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Keeping the catalogue fresh") :]
    for needle in (
        "kubectl apply -f deploy/cronjob.yaml",
        "aws scheduler create-schedule",
        "smcat refresh --catalog s3://BUCKET/smcat --json",
        "smcat refresh --every 6h",
        "| `4` |",
    ):
        assert needle in section
