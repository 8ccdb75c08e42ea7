"""The import plan: the ordered AWS calls, with payloads, that a run makes (and a dry run prints)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .redact import env_names_redacted, redact_params

__all__ = ["Plan", "Step"]


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


@dataclass
class Plan:
    """Everything an import will do, decided before the first AWS call."""

    image_uri: str
    s3_url: str | None
    sha256: str
    size: int
    names: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def redacted(self) -> list[str]:
        """Environment variables whose values every printed form of this plan hides."""
        return sorted(set[str]().union(*(env_names_redacted(s.params) for s in self.steps)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "redacted": self.redacted(),
            "image_uri": self.image_uri,
            "s3_url": self.s3_url,
            "sha256": self.sha256,
            "size": self.size,
            "names": self.names,
            "warnings": self.warnings,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str)

    def to_text(self) -> str:
        lines = [
            f"image:   {self.image_uri}",
            f"archive: {self.s3_url or '-'} ({self.size} bytes, sha256 {self.sha256})",
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        if hidden := self.redacted():
            lines.append(
                f"redacted: {', '.join(hidden)} (values hidden here; SageMaker receives them as given)"
            )
        for i, s in enumerate(self.steps, 1):
            lines.append(f"{i}. {s.title}: {s.service}.{s.operation}")
            payload = json.dumps(s.to_dict()["params"], indent=2, sort_keys=True, default=str)
            lines += [f"     {line}" for line in payload.splitlines()]
        return "\n".join(lines)
