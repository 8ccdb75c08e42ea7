"""One AWS call of an import, with its payload: the unit a plan lists and a run executes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .redact import redact_params

__all__ = ["Step"]


@dataclass(frozen=True, slots=True)
class Step:
    """One AWS call. ``creates`` names the resource it makes (``kind:name``); ``undo`` deletes it."""

    service: str  # boto3 client name: "s3", "sagemaker"
    operation: str  # boto3 client method, or "upload_file" / "wait:<waiter>"
    params: dict[str, Any]  # the boto3 call's keyword arguments
    title: str
    creates: str | None = None
    undo: tuple[str, dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The step as printed: secret-looking environment values are ``<redacted>``."""
        params = redact_params(self.params)
        d: dict[str, Any] = {
            "service": self.service,
            "operation": self.operation,
            "params": params,
            "title": self.title,
        }
        if self.creates:
            d["creates"] = self.creates
        return d
