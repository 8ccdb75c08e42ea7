"""Counted nouns in messages, one place: ``plural(1, "image")`` is ``1 image``, never ``1 images``."""

from __future__ import annotations

__all__ = ["plural"]

#: Nouns whose plural is not the singular plus "s".
_IRREGULAR = {"entry": "entries", "registry": "registries", "process": "processes", "class": "classes"}


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """``n`` and ``noun`` in agreement: ``plural(1, "member")`` -> ``1 member``, ``plural(3, "entry")``
    -> ``3 entries``. ``plural_form`` overrides the guess (``plural(2, "child", "children")``)."""
    if n == 1:
        return f"{n} {noun}"
    if plural_form is None:
        last = noun.rsplit(" ", 1)
        head = last[0] + " " if len(last) == 2 else ""
        word = last[-1]
        plural_form = head + _IRREGULAR.get(word, word + "s")
    return f"{n} {plural_form}"
