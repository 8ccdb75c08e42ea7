"""Service settings, read once from the environment (prefix ``SMCAT_``) by pydantic-settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Configuration of the resolver service.

    ``SMCAT_CATALOG``: catalogue directory (default: the user directory over the shipped snapshot).
    ``SMCAT_RELOAD_SECONDS``: how often, at most, a request checks the catalogue pointer.
    ``SMCAT_CACHE_MAX_AGE``: ``Cache-Control: max-age`` of image answers.
    """

    model_config = SettingsConfigDict(env_prefix="SMCAT_", extra="ignore")

    catalog: str | None = None
    reload_seconds: float = Field(default=5.0, ge=0)
    cache_max_age: int = Field(default=300, ge=0)
    stale_after_hours: float = Field(default=48.0, gt=0)
