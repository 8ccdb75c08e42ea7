"""Service settings, read once from the environment (prefix ``SMCAT_``) by pydantic-settings."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MIN_TOKEN_LENGTH", "WEAK_TOKENS", "Settings"]

MIN_TOKEN_LENGTH = 16

#: Tokens people paste from examples; refused whatever their length (compared case-insensitively).
WEAK_TOKENS = frozenset(
    {
        "admin",
        "administrator",
        "changeme",
        "change-me",
        "change_me",
        "changeit",
        "default",
        "letmein",
        "password",
        "password123",
        "passw0rd",
        "root",
        "secret",
        "smcat",
        "smcat-admin",
        "smcat_admin",
        "test",
        "testtoken",
        "test-token",
        "token",
        "your-token-here",
        "xxxxxxxxxxxxxxxx",
        "0000000000000000",
        "1234567890123456",
        "12345678901234567890",
    }
)

_HOW = (
    "Set SMCAT_ADMIN_TOKEN to a long random value, e.g. "
    "SMCAT_ADMIN_TOKEN=\"$(python -c 'import secrets; print(secrets.token_urlsafe(32))')\", "
    "or turn the refresh endpoint off (unset SMCAT_REFRESH_ENABLED)."
)


class Settings(BaseSettings):
    """Configuration of the resolver service.

    ``SMCAT_CATALOG``: catalogue directory or ``s3://bucket/prefix`` (default: the user directory
    over the shipped snapshot).
    ``SMCAT_RELOAD_SECONDS``: how often, at most, a request checks the catalogue pointer.
    ``SMCAT_CACHE_MAX_AGE``: ``Cache-Control: max-age`` of image answers.
    ``SMCAT_STALE_AFTER_HOURS``: ``/healthz`` says ``degraded`` when the newest successful refresh
    is older than this.
    ``SMCAT_REFRESH_ENABLED``: serve ``POST /catalog/refresh`` (off by default; needs a token).
    ``SMCAT_ADMIN_TOKEN``: the bearer token the refresh endpoint requires (16+ characters, not a
    well-known default; the service refuses to start otherwise).
    ``SMCAT_REFRESH_MIRROR``: refresh from a mirror directory (``HOST/PATH`` files) instead of the network.
    ``SMCAT_HTTP_CACHE``: conditional-GET cache directory for refreshes (default ``~/.cache/smcat/http``).
    ``SMCAT_LOCK_DIR``: directory of the refresh lock and job records (default: ``<catalog>/locks``);
    every worker and process that may refresh the same catalogue must share it.
    ``SMCAT_VERIFY_MAX_AGE_HOURS``: ``GET /image?verify=true`` reports a recorded registry check
    only when it is at most this old (otherwise "not_verified"; the service never calls AWS).
    """

    # hide_input_in_errors: a refused (short) token must not end up in start-up logs
    model_config = SettingsConfigDict(env_prefix="SMCAT_", extra="ignore", hide_input_in_errors=True)

    catalog: str | None = None
    reload_seconds: float = Field(default=5.0, ge=0)
    cache_max_age: int = Field(default=300, ge=0)
    stale_after_hours: float = Field(default=48.0, gt=0)
    refresh_enabled: bool = False
    admin_token: SecretStr | None = None
    refresh_mirror: str | None = None
    http_cache: str | None = None
    lock_dir: str | None = None
    verify_max_age_hours: float = Field(default=24.0, gt=0)

    @model_validator(mode="after")
    def _refuse_weak_admin_token(self) -> Settings:
        """Fail fast: an enabled refresh endpoint needs a strong token."""
        if not self.refresh_enabled:
            return self
        token = self.admin_token.get_secret_value() if self.admin_token else ""
        if not token.strip():
            raise ValueError(f"SMCAT_REFRESH_ENABLED is on but SMCAT_ADMIN_TOKEN is not set. {_HOW}")
        if token.strip().lower() in WEAK_TOKENS or len(set(token)) < 4:
            raise ValueError(
                f"SMCAT_ADMIN_TOKEN is a well-known default or trivially guessable value. {_HOW}"
            )
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"SMCAT_ADMIN_TOKEN is {len(token)} characters long; "
                f"at least {MIN_TOKEN_LENGTH} are needed. {_HOW}"
            )
        return self
