"""Hide secret values (``HF_TOKEN=hf_...``) in what the importer prints; the AWS calls still carry them.

A variable is secret when a part of its name (split on ``_``, ``-`` and ``.``) is a secret word
(``KEY``, ``PASSWORD``, ``AUTH``...) or the name contains ``TOKEN``, ``SECRET``, ``PASSWORD``,
``PASSWD``, ``CREDENTIAL`` or ``PRIVATE_KEY`` anywhere (``HUGGINGFACEHUBTOKEN``), or when its value
has the shape of a well-known credential (Hugging Face, AWS access key, GitHub, OpenAI...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["REDACTED", "env_names_redacted", "is_secret", "redact_env", "redact_params", "secret_names"]

REDACTED = "<redacted>"
_SUBSTRINGS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATEKEY", "PRIVATE_KEY")
_PARTS = frozenset({"KEY", "APIKEY", "PWD", "AUTH", "PASSPHRASE", "SIGNATURE", "COOKIE"})
_VALUE_SHAPES = re.compile(
    r"^(hf_[A-Za-z0-9]{20,}"  # Hugging Face user access token
    r"|(AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{30,}"
    r"|sk-[A-Za-z0-9_-]{20,}"  # OpenAI-style secret keys
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})$"  # a JWT
)


def is_secret(name: str, value: str = "") -> bool:
    """Whether ``name=value`` looks like a credential that must not be printed."""
    upper = name.upper()
    if any(s in upper for s in _SUBSTRINGS):
        return True
    if any(part in _PARTS for part in re.split(r"[_.\-]+", upper)):
        return True
    return bool(_VALUE_SHAPES.match(value.strip())) if isinstance(value, str) else False


def secret_names(env: Mapping[str, str] | None) -> list[str]:
    """Sorted names of the secret-looking variables in ``env``."""
    return sorted(k for k, v in (env or {}).items() if is_secret(k, v))


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``env`` with every secret-looking value replaced by ``<redacted>``."""
    return {k: REDACTED if is_secret(k, v) else v for k, v in env.items()}


def redact_params(params: object) -> object:
    """A copy of an AWS call's parameters with secret ``Environment`` values redacted (any depth)."""
    if isinstance(params, dict):
        return {
            k: redact_env(v) if k == "Environment" and isinstance(v, dict) else redact_params(v)
            for k, v in params.items()
        }
    if isinstance(params, list):
        return [redact_params(v) for v in params]
    return params


def env_names_redacted(params: object) -> set[str]:
    """Names whose values ``redact_params`` hides in ``params`` (any ``Environment`` at any depth)."""
    out: set[str] = set()
    if isinstance(params, dict):
        for k, v in params.items():
            if k == "Environment" and isinstance(v, dict):
                out.update(secret_names(v))
            else:
                out |= env_names_redacted(v)
    elif isinstance(params, list):
        for v in params:
            out |= env_names_redacted(v)
    return out
