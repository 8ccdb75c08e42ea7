"""Hand-made image records for tests that need a small catalogue."""

from __future__ import annotations

from smcat.catalog.models import ImageRecord, Provenance

P = Provenance("dlc-image-data", "https://example.test/a.yml", "2026-11-01T00:00:00Z", facts=("tags",))
DLC = {"us-east-1": "763104351884", "ap-southeast-1": "763104351884"}


def rec(framework="tensorflow", version="2.19.0", scope="inference", processor="gpu", **kw) -> ImageRecord:
    """A DLC-style record in ``{framework}-{scope}`` tagged ``{version}-{processor}``; ``kw`` overrides."""
    base = dict(
        framework=framework,
        version=version,
        image_scope=scope,
        processor=processor,
        repository=f"{framework}-{scope}",
        tags=(f"{version}-{processor}",),
        accounts=DLC,
        provenance=(P,),
    )
    base.update(kw)
    return ImageRecord(**base)
