"""Service settings, read once from the environment (prefix ``SMCAT_``) by pydantic-settings."""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import pairwise

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MIN_TOKEN_BITS", "MIN_TOKEN_LENGTH", "WEAK_TOKENS", "Settings", "token_problem"]

MIN_TOKEN_LENGTH = 20
#: Estimated entropy (Shannon, over the token's own characters) a token must reach, in bits:
#: ``secrets.token_urlsafe(16)`` (22 characters) gives about 90, ``password12345678`` about 62.
MIN_TOKEN_BITS = 64.0

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
    }
)
#: Words that mark a placeholder or an example value wherever they appear in a token.
_WEAK_WORDS = ("changeme", "change-me", "change_me", "password", "passw0rd", "example", "placeholder",
               "replace", "your-token", "yourtoken", "secret", "letmein", "token-here")  # fmt: skip
#: Unexpanded templates: ${VAR}, $VAR, {{ var }}, <token>, %VAR%.
_PLACEHOLDER_RE = re.compile(r"^(?:\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|<[^>]*>|%[A-Za-z_]\w*%)$")

_HOW = (
    "Set SMCAT_ADMIN_TOKEN to a long random value, e.g. "
    "SMCAT_ADMIN_TOKEN=\"$(python -c 'import secrets; print(secrets.token_urlsafe(32))')\", "
    "or turn the refresh endpoint off (unset SMCAT_REFRESH_ENABLED)."
)


def _bits(token: str) -> float:
    """Shannon entropy of the token's character distribution times its length."""
    n = len(token)
    return abs(n * sum((c / n) * math.log2(c / n) for c in Counter(token).values())) if n else 0.0


def _sequential(token: str) -> bool:
    """Mostly runs (``aaaa``) or steps (``abcd``, ``4321``): adjacent characters 0 or 1 code apart."""
    steps = [abs(ord(a) - ord(b)) <= 1 for a, b in pairwise(token)]
    return bool(steps) and sum(steps) / len(steps) > 0.5


def token_problem(token: str) -> str | None:
    """Why ``token`` (already stripped) is not an acceptable admin token, or None. Never quotes it."""
    low = token.lower()
    if _PLACEHOLDER_RE.match(token):
        return "SMCAT_ADMIN_TOKEN looks like an unexpanded placeholder (a $VAR, ${...}, {{...}} or <...>)."
    if low in WEAK_TOKENS or any(w in low for w in _WEAK_WORDS):
        return "SMCAT_ADMIN_TOKEN is a well-known default or example value."
    if len(token) < MIN_TOKEN_LENGTH:
        return f"SMCAT_ADMIN_TOKEN is {len(token)} characters long; at least {MIN_TOKEN_LENGTH} are needed."
    if _sequential(token) or len(set(token)) < 8 or _bits(token) < MIN_TOKEN_BITS:
        return (
            f"SMCAT_ADMIN_TOKEN is trivially guessable (repeated or sequential characters; "
            f"about {_bits(token):.0f} bits of entropy, {MIN_TOKEN_BITS:.0f} needed)."
        )
    return None


class Settings(BaseSettings):
    """Configuration of the resolver service.

    ``SMCAT_CATALOG``: catalogue directory or ``s3://bucket/prefix`` (default: the user directory
    over the shipped snapshot).
    ``SMCAT_RELOAD_SECONDS``: how often, at most, a request checks the catalogue pointer.
    ``SMCAT_CACHE_MAX_AGE``: ``Cache-Control: max-age`` of image answers.
    ``SMCAT_STALE_AFTER_HOURS``: ``/healthz`` says ``degraded`` when the newest successful refresh
    is older than this.
    ``SMCAT_REFRESH_ENABLED``: serve ``POST /catalog/refresh`` (off by default; needs a token).
    ``SMCAT_ADMIN_TOKEN``: the bearer token the refresh endpoint requires (20+ characters, 64+ bits
    of estimated entropy, not a placeholder or well-known default; the service refuses to start
    otherwise). Whitespace around it (a trailing newline from a secret file) is ignored.
    ``SMCAT_ANSWER_CACHE_MB``: memory for cached ``/image`` answers and ``/catalog/diff`` results.
    ``SMCAT_STORE_TIMEOUT``: seconds a request that must read the store (an uncached
    ``/catalog/diff``) waits before answering 503; the store is read in a thread, never on the event loop.
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
    answer_cache_mb: float = Field(default=16.0, gt=0, le=4096)
    store_timeout: float = Field(default=5.0, gt=0, le=300)
    verify_max_age_hours: float = Field(default=24.0, gt=0)

    @field_validator("admin_token", mode="before")
    @classmethod
    def _strip_token(cls, value: object) -> object:
        """Strip both sides once, here, so the comparison sees the same text (a file's newline)."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_weak_admin_token(self) -> Settings:
        """Fail fast: an enabled refresh endpoint needs a strong token."""
        if not self.refresh_enabled:
            return self
        token = self.admin_token.get_secret_value() if self.admin_token else ""
        if not token:
            raise ValueError(f"SMCAT_REFRESH_ENABLED is on but SMCAT_ADMIN_TOKEN is not set. {_HOW}")
        problem = token_problem(token)
        if problem:
            raise ValueError(f"{problem} {_HOW}")
        return self
