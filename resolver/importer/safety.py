"""Is this member list safe to unpack? Names, links and file kinds, judged on the archive's own tree.

A link target is resolved component by component through the other links of the same tree
(as the kernel would after extraction), so a chain such as ``sub/l -> ..`` plus
``esc -> sub/l/../etc/passwd`` is seen leaving the tree even though ``normpath`` of the
text stays inside. Control characters in names are refused: they forge lines in logs and
terminals and no model file needs them.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping

from .errors import Problem
from .layout import Entry

__all__ = ["MAX_LINK_HOPS", "LinkVerdict", "printable", "resolve_link", "safety_problems"]

MAX_LINK_HOPS = 40  # Linux's MAXSYMLINKS: a longer chain is a loop or an attack
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class LinkVerdict:
    """Outcomes of ``resolve_link`` (plain strings, so they read well in tests and messages)."""

    INSIDE = "inside"
    ESCAPES = "escapes"
    ABSOLUTE = "absolute"
    LOOP = "loop"


def printable(name: str) -> str:
    """``name`` with control characters shown as escapes (``a\\nb``), safe to print on one line."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), name)


def resolve_link(start_dir: str, target: str, symlinks: Mapping[str, str]) -> tuple[str, str]:
    """Follow ``target`` from directory ``start_dir`` through the tree's ``symlinks`` (name -> target).

    Returns ``(verdict, where)``: ``where`` is the resolved path inside the tree (``""`` is the
    root) for ``INSIDE``, else the path at which resolution left the tree or looped.
    """
    if target.startswith("/") or _DRIVE.match(target):
        return LinkVerdict.ABSOLUTE, target
    current: list[str] = [p for p in start_dir.split("/") if p not in ("", ".")]
    todo = deque(target.split("/"))
    hops = 0
    while todo:
        part = todo.popleft()
        if part in ("", "."):
            continue
        if part == "..":
            if not current:
                return LinkVerdict.ESCAPES, "/".join([*current, ".."])
            current.pop()
            continue
        current.append(part)
        here = "/".join(current)
        if here in symlinks:
            hops += 1
            if hops > MAX_LINK_HOPS:
                return LinkVerdict.LOOP, here
            link = symlinks[here]
            if link.startswith("/") or _DRIVE.match(link):
                return LinkVerdict.ABSOLUTE, here
            current.pop()  # the link's target is relative to the directory holding the link
            todo.extendleft(reversed(link.split("/")))
    return LinkVerdict.INSIDE, "/".join(current)


def _link_problem(e: Entry, verdict: str, where: str) -> Problem | None:
    if verdict == LinkVerdict.INSIDE:
        return None
    what = {
        LinkVerdict.ABSOLUTE: "points to an absolute path",
        LinkVerdict.ESCAPES: "points outside the model tree",
        LinkVerdict.LOOP: f"is a link loop or a chain of more than {MAX_LINK_HOPS} links",
    }[verdict]
    via = f", via {printable(where)}" if where and where != e.link else ""
    return Problem(
        f"{e.kind} {what} ({printable(e.link)}{via})",
        "replace the link with the file it points to, or remove it",
        printable(e.arcname),
    )


def _name_problems(name: str) -> list[Problem]:
    out = []
    if name.startswith("/") or _DRIVE.match(name):
        out.append(Problem("absolute path in archive", "store members with relative paths", name))
    if ".." in name.split("/"):
        out.append(Problem("'..' path component escapes the archive", "remove '..' from member names", name))
    return out


def _through_link(name: str, symlinks: Mapping[str, str]) -> str | None:
    """The first parent directory of ``name`` that is a symlink (a member written through a link)."""
    parts = name.split("/")
    for i in range(1, len(parts)):
        parent = "/".join(parts[:i])
        if parent in symlinks:
            return parent
    return None


def safety_problems(entries: Iterable[Entry]) -> list[Problem]:
    """Absolute paths, ``..``, control characters, links leaving the tree (followed through the
    tree's own links), members stored under a link, device files: refused wherever they come from."""
    entries = list(entries)
    symlinks = {e.arcname: e.link for e in entries if e.kind == "symlink"}
    out: list[Problem] = []
    for e in entries:
        name = e.arcname
        if _CONTROL.search(name) or _CONTROL.search(e.link):
            where = "name" if _CONTROL.search(name) else "link target"
            out.append(
                Problem(
                    f"control character (newline, tab, escape...) in the member's {where}",
                    "rename the file using printable characters only",
                    printable(name),
                )
            )
            continue  # do not resolve or print a forged name any further
        out += _name_problems(name)
        if parent := _through_link(name, symlinks):
            out.append(
                Problem(
                    f"member is stored under the symlink {parent!r}",
                    "store the real directory instead of a link to it",
                    name,
                )
            )
        if e.kind == "symlink":
            parent_dir = name.rsplit("/", 1)[0] if "/" in name else ""
            if problem := _link_problem(e, *resolve_link(parent_dir, e.link, symlinks)):
                out.append(problem)
        elif e.kind == "hardlink":  # a hard link names another member, relative to the root
            if problem := _link_problem(e, *resolve_link("", e.link, symlinks)):
                out.append(problem)
        elif e.kind == "special":
            out.append(Problem("device, fifo or socket file", "remove it from the model directory", name))
    return out
