"""A mirror directory that reads through to the recorded one, except for the documents a test edits.

Copying the whole recorded mirror per fault case is slow; ``MirrorOverlay(base, root)`` makes
``root`` a directory of symlinks into ``base`` instead, and ``edit(url)`` turns just the path to
one document into real directories and a real file (a copy of the recorded body) that the test
may rewrite. The recorded mirror is never written through a symlink.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from smcat.scrapers.http import mirror_path

__all__ = ["MirrorOverlay"]


def _link_children(real_dir: Path, base_dir: Path) -> None:
    for child in base_dir.iterdir():
        (real_dir / child.name).symlink_to(child.resolve())


class MirrorOverlay:
    """``root`` laid out like the mirror ``base``: symlinks to it, with real copies where edited."""

    def __init__(self, base: Path, root: Path) -> None:
        self.base = Path(base).resolve()
        self.root = Path(root)
        self.root.mkdir(parents=True)
        _link_children(self.root, self.base)

    def __fspath__(self) -> str:
        return str(self.root)

    def _real_dir(self, rel: Path) -> Path:
        """Make ``root/rel`` a real directory (its entries still symlinks into ``base``)."""
        here, there = self.root, self.base
        for part in rel.parts:
            here, there = here / part, there / part
            if here.is_symlink():
                here.unlink()
                here.mkdir()
                _link_children(here, there)
            elif not here.exists():
                here.mkdir()
        return here

    def edit(self, url: str) -> Path:
        """A real, writable copy of the document at ``url`` inside the overlay; returns its path."""
        path = mirror_path(self.root, url)
        rel = path.relative_to(self.root)
        self._real_dir(rel.parent)
        if path.is_symlink():
            path.unlink()
            shutil.copyfile(self.base / rel, path)
        assert not path.is_symlink() and self.root in path.parents
        return path

    def edit_file(self, rel: str | Path) -> Path:
        """Like ``edit``, for a path relative to the mirror root (``HOST/PATH``)."""
        return self.edit("https://" + Path(rel).as_posix())
