"""Errors the importer raises: every one says what was wrong and what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from smcat.catalog.errors import SmcatError
from smcat.catalog.plural import plural

__all__ = [
    "ArchiveRefused",
    "ContractError",
    "ImportFailed",
    "InvalidImportRequest",
    "Problem",
    "UploadConflict",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a model artifact, where it is, and how to fix it."""

    message: str
    fix: str
    path: str = ""

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message} -> fix: {self.fix}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "fix": self.fix}


class ContractError(SmcatError, ValueError):
    """The artifact does not match what the target container expects (or is unsafe to unpack)."""

    exit_code = 2

    def __init__(self, subject: str, problems: list[Problem]) -> None:
        self.subject = subject
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{subject}: {plural(len(self.problems), 'problem')}\n{lines}")


class ArchiveRefused(ContractError):
    """The model cannot be checked at all: not a readable archive, or over a size/member limit.

    One problem, one line: the check stops here instead of listing contract findings.
    """

    def __init__(self, subject: str, problem: Problem) -> None:
        super().__init__(subject, [problem])
        self.args = (f"{subject}: {problem}",)


class InvalidImportRequest(SmcatError, ValueError):
    """The import arguments are inconsistent (bad instance type, GPU image on serverless, ...)."""

    exit_code = 2

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class UploadConflict(SmcatError):
    """A different object already sits at the S3 key; smcat never overwrites it silently."""

    exit_code = 5


class ImportFailed(SmcatError):
    """A step failed after AWS resources were created; says what was created, deleted and left."""

    exit_code = 6

    def __init__(
        self,
        step: str,
        cause: BaseException,
        *,
        created: list[str],
        deleted: list[str],
        left: list[str],
    ) -> None:
        self.step = step
        self.cause = cause
        self.created = list(created)
        self.deleted = list(deleted)
        self.left = list(left)
        msg = f"import failed at step {step!r}: {cause}"
        if self.created:
            msg += f"\n  created: {', '.join(self.created)}"
            msg += f"\n  deleted: {', '.join(self.deleted) or '-'}"
            msg += f"\n  left: {', '.join(self.left) or '-'}"
        if self.left:
            msg += "\n  delete the resources left above by hand, or rerun with keep_on_failure=False"
        super().__init__(msg)
