"""What a source says about itself: ``Scraper``, and the ``Role`` its results play in the merge.

Each module of ``smcat.scrapers.sources`` builds its own ``Scraper`` (name, parser, URL pattern,
start URLs, roles); ``smcat.scrapers.registry`` orders them, and that order is the merge
precedence among sources of one role. The merge asks a source's roles, never its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from smcat.catalog.models import ParseResult

__all__ = ["Parse", "Role", "Scraper"]

Parse = Callable[..., ParseResult]


class Role(StrEnum):
    """What the merge does with a source's parse results (a source may play several roles)."""

    #: Images with their published, pinned tags: the records every other claim joins.
    VERBATIM_IMAGES = "verbatim-images"
    #: The SageMaker SDK's configuration: moving tags, aliases and every partition's accounts,
    #: joined to the verbatim image they describe (or kept as images of their own).
    SDK_IMAGES = "sdk-images"
    #: Images whose tags are derived by convention (the retired docs pages): attached last.
    DERIVED_IMAGES = "derived-images"
    #: Region -> registry account tables, per registry family.
    REGION_TABLES = "region-tables"
    #: GA / end-of-patch dates per (framework, major.minor), for images without their own.
    LIFECYCLE = "lifecycle"


@dataclass(frozen=True, slots=True)
class Scraper:
    """One source: its name, parser, the URLs it reads, where it starts, and its roles in the merge."""

    name: str
    description: str
    parse: Parse
    url_pattern: re.Pattern[str]
    start_urls: tuple[str, ...]
    roles: frozenset[Role]

    def plays(self, role: Role) -> bool:
        """Whether the merge reads this source's results for ``role``."""
        return role in self.roles
