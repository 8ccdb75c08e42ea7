"""Release notes: what a catalogue version brings compared with another, for people.

``summarize(old, new)`` groups the raw image diff (``smcat.catalog.store.diff_snapshots``, the one
diff) into what a reader asks: which frameworks, framework versions and regions are new, which
were retired, and how many images changed (tags added, lifecycle dates moved). A published
version's note is always derivable from the store itself (the version against its predecessor
in ``Store.versions()``, see ``note_for``), so no note file is written next to the snapshots:
snapshots are immutable, and so are their notes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from smcat.catalog.models import ImageRecord, Snapshot
from smcat.catalog.plural import plural
from smcat.catalog.serial import to_jsonable
from smcat.catalog.store import Diff, Store, diff_snapshots

__all__ = ["Changes", "ReleaseNote", "VersionGroup", "note_for", "predecessor", "summarize"]


@dataclass(frozen=True, slots=True)
class VersionGroup:
    """One framework version's images, folded: scopes and processors it comes in."""

    framework: str
    version: str
    scopes: tuple[str, ...]
    processors: tuple[str, ...]
    images: int

    def __str__(self) -> str:
        return f"{self.framework} {self.version} ({', '.join(self.scopes)}; {', '.join(self.processors)})"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True, slots=True)
class Changes:
    """Images present in both versions whose facts changed, counted by kind of change."""

    images: int = 0
    tags_added: int = 0
    tags_removed: int = 0
    lifecycle: int = 0  # GA or end-of-patch date set or moved
    accounts: int = 0  # published in more or fewer regions / other registry accounts
    other: int = 0  # CUDA, OS, ... corrected

    def parts(self) -> list[str]:
        labels = (
            (self.tags_added, "tags added"),
            (self.tags_removed, "tags removed"),
            (self.lifecycle, "lifecycle dates changed"),
            (self.accounts, "registry accounts changed"),
            (self.other, "other facts changed"),
        )
        return [f"{label}: {n}" for n, label in labels if n]

    def to_dict(self) -> dict[str, int]:
        return to_jsonable(self)


@dataclass(frozen=True, slots=True)
class ReleaseNote:
    """What ``new`` brings compared with ``old`` (``old`` empty for the first version)."""

    old: str
    new: str
    created_at: str
    images: int
    images_added: int = 0
    images_removed: int = 0
    new_frameworks: tuple[str, ...] = ()
    retired_frameworks: tuple[str, ...] = ()
    new_versions: tuple[VersionGroup, ...] = ()  # framework versions the old catalogue lacked
    new_variants: tuple[VersionGroup, ...] = ()  # new images of versions already there
    retired_versions: tuple[VersionGroup, ...] = ()
    retired_variants: tuple[VersionGroup, ...] = ()
    new_regions: tuple[str, ...] = ()
    retired_regions: tuple[str, ...] = ()
    changes: Changes = field(default_factory=Changes)

    @property
    def empty(self) -> bool:
        return (
            not (self.images_added or self.images_removed or self.changes.images or self.new_regions)
            and not self.retired_regions
        )

    @property
    def headline(self) -> str:
        """One line: counts of what is new, retired and changed."""
        if self.empty:
            return f"{self.new}: no changes since {self.old or '(none)'}"
        bits = [
            _count(len(self.new_frameworks), "new framework"),
            _count(len(self.new_versions), "new version"),
            _count(len(self.new_regions), "new region"),
            _count(len(self.retired_versions), "retired version"),
            _count(len(self.retired_regions), "retired region"),
            _count(self.changes.images, "image changed", "images changed"),
        ]
        bits = [b for b in bits if b] or [f"+{self.images_added} / -{self.images_removed} images"]
        return f"{self.new} (since {self.old or '(none)'}): {', '.join(bits)}"

    def _sections(self) -> list[tuple[str, list[str]]]:
        changed = ""
        if self.changes.images:
            changed = plural(self.changes.images, "image") + (
                f" ({', '.join(self.changes.parts())})" if self.changes.parts() else ""
            )
        return [
            ("New frameworks", list(self.new_frameworks)),
            ("New versions", [str(g) for g in self.new_versions]),
            ("New images of existing versions", [str(g) for g in self.new_variants]),
            ("New regions", list(self.new_regions)),
            ("Retired frameworks", list(self.retired_frameworks)),
            ("Retired versions", [str(g) for g in self.retired_versions]),
            ("Retired images of remaining versions", [str(g) for g in self.retired_variants]),
            ("Retired regions", list(self.retired_regions)),
            ("Changed images", [changed] if changed else []),
        ]

    def lines(self) -> list[str]:
        """The summary for a terminal: a headline, then one indented line per item."""
        out = [self.headline]
        for title, items in self._sections():
            if items:
                out.append(f"{title}:")
                out.extend(f"  {i}" for i in items)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_markdown(self) -> str:
        """A Markdown release note with a heading per kind of change."""
        out = [f"# smcat catalogue {self.new}", ""]
        since = f"compared with `{self.old}`" if self.old else "the first version"
        out.append(
            f"Published {self.created_at}, {since}: {plural(self.images, 'image')}, "
            f"+{self.images_added} added, -{self.images_removed} removed."
        )
        if self.empty:
            out += ["", "No changes."]
        for title, items in self._sections():
            if items:
                out += ["", f"## {title}", ""]
                out += [f"- {i}" for i in items]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, Any]:
        # explicit, not to_jsonable(): "headline" is derived (a property), and the JSON names
        # (from, to, changed) and order are the published ``notes --json`` form
        return {
            "from": self.old,
            "to": self.new,
            "created_at": self.created_at,
            "headline": self.headline,
            "images": self.images,
            "images_added": self.images_added,
            "images_removed": self.images_removed,
            "new_frameworks": list(self.new_frameworks),
            "retired_frameworks": list(self.retired_frameworks),
            "new_versions": [g.to_dict() for g in self.new_versions],
            "new_variants": [g.to_dict() for g in self.new_variants],
            "retired_versions": [g.to_dict() for g in self.retired_versions],
            "retired_variants": [g.to_dict() for g in self.retired_variants],
            "new_regions": list(self.new_regions),
            "retired_regions": list(self.retired_regions),
            "changed": self.changes.to_dict(),
        }


def _count(n: int, one: str, many: str | None = None) -> str:
    """``"1 new version"``, ``"3 new versions"``, or ``""`` for none."""
    return "" if not n else f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def _version_key(v: str) -> tuple[int, Version, str]:
    try:
        return (1, Version(v), v)
    except InvalidVersion:
        return (0, Version("0"), v)


def _groups(records: Iterable[ImageRecord]) -> tuple[VersionGroup, ...]:
    """Fold records by (framework, version): frameworks A-Z, newest version first."""
    by: dict[tuple[str, str], list[ImageRecord]] = defaultdict(list)
    for r in records:
        by[(r.framework, r.version)].append(r)
    groups = [
        VersionGroup(
            fw,
            v,
            tuple(sorted({r.image_scope for r in rs})),
            tuple(sorted({r.processor + ("/arm64" if r.arch == "arm64" else "") for r in rs})),
            len(rs),
        )
        for (fw, v), rs in by.items()
    ]
    groups.sort(key=lambda g: _version_key(g.version), reverse=True)
    groups.sort(key=lambda g: g.framework)
    return tuple(groups)


#: How the fields ``diff_snapshots`` compares are counted here; a field it compares and this
#: does not name (one added there later) counts as ``other``, so the two never disagree.
_KIND_OF_FIELD = {"ga": "lifecycle", "eop": "lifecycle", "accounts": "accounts"}


def _changes(diff: Diff, old_by: dict[str, ImageRecord], new_by: dict[str, ImageRecord]) -> Changes:
    """``diff.changed`` counted by kind; tags count as added or removed (a reordering is neither)."""
    counts = dict.fromkeys(("tags_added", "tags_removed", "lifecycle", "accounts", "other"), 0)
    n = 0
    for k, fields in diff.changed:
        kinds = {_KIND_OF_FIELD.get(f, "other") for f in fields if f != "tags"}
        if "tags" in fields:
            a, b = set(old_by[k].tags), set(new_by[k].tags)
            kinds |= {"tags_added"} if b - a else set()
            kinds |= {"tags_removed"} if a - b else set()
        if not kinds:
            continue
        n += 1
        for kind in kinds:
            counts[kind] += 1
    return Changes(n, **counts)


def summarize(old: Snapshot | None, new: Snapshot) -> ReleaseNote:
    """The release note of ``new`` compared with ``old`` (None: everything in ``new`` is new)."""
    diff = diff_snapshots(old, new)
    old_by = {r.key_str: r for r in old.images} if old else {}
    new_by = {r.key_str: r for r in new.images}
    added = [new_by[k] for k in diff.added]
    removed = [old_by[k] for k in diff.removed]
    old_versions = {(r.framework, r.version) for r in old_by.values()}
    new_versions = {(r.framework, r.version) for r in new_by.values()}
    old_fws = {r.framework for r in old_by.values()}
    new_fws = {r.framework for r in new_by.values()}
    return ReleaseNote(
        old=old.id if old else "",
        new=new.id,
        created_at=new.created_at,
        images=len(new.images),
        images_added=len(added),
        images_removed=len(removed),
        new_frameworks=tuple(sorted(new_fws - old_fws)),
        retired_frameworks=tuple(sorted(old_fws - new_fws)),
        new_versions=_groups(r for r in added if (r.framework, r.version) not in old_versions),
        new_variants=_groups(r for r in added if (r.framework, r.version) in old_versions),
        retired_versions=_groups(r for r in removed if (r.framework, r.version) not in new_versions),
        retired_variants=_groups(r for r in removed if (r.framework, r.version) in new_versions),
        new_regions=diff.regions_added,
        retired_regions=diff.regions_removed,
        changes=_changes(diff, old_by, new_by),
    )


def predecessor(store: Store, version: str | None = None) -> str | None:
    """The id of the version listed just before ``version`` (default: current), or None."""
    vid = store.resolve_version(version)
    ids = [v.id for v in store.versions()]
    i = ids.index(vid) if vid in ids else -1
    return ids[i - 1] if i > 0 else None


def note_for(store: Store, version: str | None = None) -> ReleaseNote:
    """The release note of ``version`` (default: current) against its predecessor in the store."""
    new = store.load(version)
    prev = predecessor(store, new.id)
    return summarize(store.load(prev) if prev else None, new)
