"""Framework versions: image versions and user versions, compared with ``packaging`` semantics.

Images carry versions in several forms: ``2.19.0`` (DLC), ``1.0-1`` (first-party scikit-learn /
XGBoost, read by PEP 440 as ``1.0.post1``), ``1`` (built-in algorithms), ``24.03`` (Triton),
``0.5.12+amzn2023.578d27e`` (a local label) and ``b9522`` (a build number). Users type ``2.0``
(the 2.0.x family), ``2`` (the 2.x family), ``2.0.4`` (exactly that), ``1.0-1`` (exactly that),
``latest`` (anything), ``2.x`` / ``2.0.*`` (a family, spelled out) or a specifier (``>=2.1,<2.3``).
Ordering is always by version, never by string: ``2.10 > 2.9``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from smcat.catalog.errors import InvalidQuery
from smcat.catalog.limits import MAX_VERSION_CHARS, check_length

__all__ = ["parse_image_version", "parse_user_version", "sort_key", "version_matcher"]

# One grammar for what an image version may look like around its PEP 440 core: an optional
# letter prefix (``v1.2``, ``b9522``), the numeric release, and whatever PEP 440 reads after it.
# The release is matched atomically (a lookahead captures it, a backreference consumes it: Python
# never backtracks into a lookahead), so a mismatch cannot retry every split of ``1.1.1...1!``
# between ``release`` and ``rest`` (quadratic: 8,000 repeats took 0.8 s). This works on every
# Python 3.11; possessive quantifiers (``*+``) misbehave before 3.11.3.
_VERSION_RE = re.compile(
    r"^\s*(?P<prefix>[A-Za-z]*)(?=(?P<release>\d+(?:\.\d+)*))(?P=release)(?P<family>\.(?:x|\*))?"
    r"(?P<rest>[-+._a-zA-Z0-9]*)\s*$"
)
_EXAMPLES = "'2.0' (newest 2.0.x), '2' (newest 2.x), '2.0.4' (exact), '1.0-1' (exact) or 'latest'"
_ZERO = Version("0")


@lru_cache(maxsize=8192)
def parse_image_version(s: str) -> Version | None:
    """The ``packaging`` version of an image's version string, or None when it has no number."""
    if not isinstance(s, str) or len(s) > MAX_VERSION_CHARS:
        return None
    try:
        return Version(s)
    except InvalidVersion:
        pass
    m = _VERSION_RE.match(s)
    if not m:
        return None
    if m["family"]:  # an image published as a family (Data Wrangler's "1.x") orders as its release
        return None if m["rest"] else Version(m["release"])
    for text in (m["release"] + m["rest"], m["release"]):
        try:
            return Version(text)
        except InvalidVersion:
            continue
    return None  # pragma: no cover - the release alone always parses


def sort_key(s: str) -> tuple[bool, Version, str]:
    """A key that orders version strings by version semantics; unparsable strings sort first."""
    v = parse_image_version(s)
    return (v is not None, v if v is not None else _ZERO, s)


def _invalid(user: object) -> InvalidQuery:
    return InvalidQuery(f"Invalid version: {user!r}. Expected {_EXAMPLES}.", field="version")


def parse_user_version(user: str) -> Version:
    """A user's exact version (``2.0.4``, ``1.0-1``); raises InvalidQuery naming the bad value."""
    if not isinstance(user, str) or not user.strip():
        raise _invalid(user)
    check_length("version", user, MAX_VERSION_CHARS)
    try:
        return Version(user.strip())
    except (InvalidVersion, ValueError):  # ValueError: a release number past Python's int-string limit
        raise _invalid(user) from None


def _any(_: str) -> bool:
    return True


@lru_cache(maxsize=1024)
def version_matcher(user: str) -> Callable[[str], bool]:
    """A predicate over image version strings for what a user asked (see ``_matcher``).

    An image version spelled exactly as asked always matches (``latest``, ``1.x`` as published).
    """
    pred = _matcher(user)
    text = user.strip().lower()

    def matches(s: str) -> bool:
        return s.lower() == text or pred(s)

    return matches


def _matcher(user: str) -> Callable[[str], bool]:
    """A predicate over image version strings for what a user asked.

    ``latest`` / ``*`` match everything; ``2`` and ``2.0`` match their family (release prefix,
    so ``1.2`` also matches the first-party ``1.2-1``); three or more components, or any
    pre/post/dev/local part, match exactly (ignoring the image's local label unless the user
    gave one); ``2.x`` / ``2.0.*`` spell a family; specifiers (``>=2.1,<2.3``) are honoured.
    """
    if not isinstance(user, str):
        raise _invalid(user)
    check_length("version", user, MAX_VERSION_CHARS)  # before any parser sees it
    text = user.strip()
    if text.lower() in ("latest", "*", ""):
        if not text and user:
            raise _invalid(user)
        return _any
    if text[0] in "<>=!~":
        try:
            spec = SpecifierSet(text)
        except InvalidSpecifier:
            raise _invalid(user) from None

        def in_spec(s: str) -> bool:
            v = parse_image_version(s)
            return v is not None and spec.contains(v, prereleases=True)

        return in_spec
    m = _VERSION_RE.match(text)
    if not m:
        raise _invalid(user)
    if m["prefix"].lower() not in ("", "v"):  # a build id such as llama.cpp's ``b9522``: exact text
        if m["family"]:
            raise _invalid(user)
        return lambda s: s.lower() == text.lower()
    if m["family"]:
        if m["rest"]:
            raise _invalid(user)
        return _family_matcher(tuple(int(p) for p in m["release"].split(".")))
    want = parse_user_version(text[len(m["prefix"]) :])
    plain = not (want.pre or want.post is not None or want.dev is not None or want.local)
    if len(want.release) <= 2 and plain:
        return _family_matcher(want.release)
    return _exact_matcher(want)


def _family_matcher(prefix: tuple[int, ...]) -> Callable[[str], bool]:
    n = len(prefix)

    def in_family(s: str) -> bool:
        v = parse_image_version(s)
        return v is not None and v.release[:n] == prefix

    return in_family


def _exact_matcher(want: Version) -> Callable[[str], bool]:
    compare_local = bool(want.local)

    def is_exact(s: str) -> bool:
        v = parse_image_version(s)
        if v is None:
            return False
        if not compare_local and v.local:
            v = Version(v.public)
        return v == want

    return is_exact
