"""The OpenAPI schema of GET /image is the library's answer: the two cannot drift apart."""

from __future__ import annotations

from smcat.catalog.resolve import Alternative, Lifecycle, resolve
from smcat.catalog.store import Store, shipped_dir
from smcat.service.schemas import ImageAnswer

SHIPPED = Store(shipped_dir()).load()
#: Fields the route adds to the library's answer (only with ?verify=true).
ROUTE_ONLY = {"verification"}


def test_image_answer_declares_exactly_the_fields_of_resolution_to_dict():
    answer = resolve("pytorch", "2.1", "us-west-2", gpu=True, snapshot=SHIPPED).to_dict()
    assert set(ImageAnswer.model_fields) - ROUTE_ONLY == set(answer)
    ImageAnswer.model_validate(answer)  # and every value has the declared type


def test_nested_models_match_too():
    from smcat.service.schemas import Alternative as AltSchema
    from smcat.service.schemas import Lifecycle as LifeSchema

    life = Lifecycle("2024-01-01", "2025-01-01", True, "past").to_dict()
    alt = Alternative("u", "1", "py3", "cpu", "sagemaker").to_dict()
    assert set(LifeSchema.model_fields) == set(life) and set(AltSchema.model_fields) == set(alt)
