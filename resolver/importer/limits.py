"""How much the importer reads before it refuses: archive members and total expanded size.

A ``model.tar.gz`` of a few MB can hold a million empty members or expand to terabytes; the
check stops at the first member over a limit, so it runs in bounded time and memory. Defaults
fit real models (a Hugging Face checkpoint has tens of files, a sharded LLM a few hundred);
raise them with ``--max-members`` / ``--max-size`` or ``SMCAT_IMPORT_MAX_MEMBERS`` /
``SMCAT_IMPORT_MAX_SIZE``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ArchiveRefused, InvalidImportRequest, Problem

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_MEMBERS",
    "ENV_MAX_MEMBERS",
    "ENV_MAX_SIZE",
    "ArchiveLimits",
    "Budget",
    "format_size",
    "parse_size",
]

DEFAULT_MAX_MEMBERS = 100_000
DEFAULT_MAX_BYTES = 100 << 30  # 100 GiB expanded
ENV_MAX_MEMBERS = "SMCAT_IMPORT_MAX_MEMBERS"
ENV_MAX_SIZE = "SMCAT_IMPORT_MAX_SIZE"

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE_RE = re.compile(r"^\s*(\d{1,15})\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(text: str | int, *, flag: str = "--max-size") -> int:
    """Bytes from ``"500M"``, ``"100G"``, ``"1T"``, ``"4096"`` (binary units); refuse anything else."""
    if isinstance(text, int):
        value = text
    else:
        m = _SIZE_RE.match(str(text))
        if not m:
            raise InvalidImportRequest(
                f"Invalid size for {flag}: {text!r}. Use bytes or a number with K, M, G or T (e.g. 100G).",
                field=flag,
            )
        value = int(m[1]) * _UNITS[m[2].upper()]
    if value < 1:
        raise InvalidImportRequest(f"{flag} must be at least 1 byte, got {text!r}", field=flag)
    return value


def format_size(n: int) -> str:
    """``107374182400`` -> ``"100 GiB"`` (for messages)."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """The most members and expanded bytes one model may have (archive or directory)."""

    max_members: int = DEFAULT_MAX_MEMBERS
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        if self.max_members < 1:
            raise InvalidImportRequest(
                f"--max-members must be at least 1, got {self.max_members}", field="--max-members"
            )
        if self.max_bytes < 1:
            raise InvalidImportRequest(
                f"--max-size must be at least 1, got {self.max_bytes}", field="--max-size"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ArchiveLimits:
        """Defaults, overridden by ``SMCAT_IMPORT_MAX_MEMBERS`` / ``SMCAT_IMPORT_MAX_SIZE`` when set."""
        environ = os.environ if environ is None else environ
        members, size = environ.get(ENV_MAX_MEMBERS, "").strip(), environ.get(ENV_MAX_SIZE, "").strip()
        if members and not members.isdigit():
            raise InvalidImportRequest(
                f"Invalid {ENV_MAX_MEMBERS}={members!r}: expected a whole number", field=ENV_MAX_MEMBERS
            )
        return cls(
            int(members) if members else DEFAULT_MAX_MEMBERS,
            parse_size(size, flag=ENV_MAX_SIZE) if size else DEFAULT_MAX_BYTES,
        )


class Budget:
    """Counts members and bytes while they stream past; raises at the first one over a limit."""

    def __init__(self, limits: ArchiveLimits, subject: Path | str) -> None:
        self.limits = limits
        self.subject = str(subject)
        self.members = 0
        self.bytes = 0

    def add(self, name: str, size: int) -> None:
        self.members += 1
        self.bytes += max(size, 0)
        if self.members > self.limits.max_members:
            raise ArchiveRefused(
                self.subject,
                Problem(
                    f"more than {self.limits.max_members:,} members (stopped counting at {name!r})",
                    f"pack fewer files, or raise the limit with --max-members / {ENV_MAX_MEMBERS} "
                    "if the model really has that many",
                ),
            )
        if self.bytes > self.limits.max_bytes:
            raise ArchiveRefused(
                self.subject,
                Problem(
                    f"expands to more than {format_size(self.limits.max_bytes)} (reached at member {name!r})",
                    f"check the archive is the one you meant, or raise --max-size / {ENV_MAX_SIZE}",
                ),
            )
