"""Response models of the HTTP API (documentation of the JSON shapes; internal records stay separate)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["ErrorBody", "ImageAnswer", "Lifecycle"]


class Lifecycle(BaseModel):
    ga: str | None = None
    eop: str | None = None
    past_eop: bool = False
    warning: str | None = None


class Alternative(BaseModel):
    uri: str
    version: str
    py_version: str | None = None
    processor: str
    platform: str | None = None


class ImageAnswer(BaseModel):
    """The image to run, and why."""

    uri: str
    account: str
    region: str
    repository: str
    tag: str
    moving_tags: list[str] = []
    framework: str
    version: str
    image_scope: str
    processor: str
    arch: str
    py_version: str | None = None
    cuda: str | None = None
    os: str | None = None
    platform: str | None = None
    lifecycle: Lifecycle
    provenance: list[dict[str, Any]]
    catalog_version: str
    alternatives: list[Alternative] = []
    moving_uri: str | None = None
    pinned_uri: str | None = None
    region_source: str = "argument"
    verification: dict[str, Any] | None = None  # with ?verify=true: the recorded registry check (issue 14)


class ErrorBody(BaseModel):
    """What went wrong, what exists, and what to do next: an RFC 9457 problem document
    (``application/problem+json``) whose extension members ``error``, ``message``, ``field``,
    ``valid`` and ``suggestions`` are the fields earlier versions sent."""

    type: str
    title: str
    status: int
    detail: str
    error: str
    message: str
    field: str | None = None
    valid: list[str] = []
    suggestions: dict[str, list[str]] = {}
