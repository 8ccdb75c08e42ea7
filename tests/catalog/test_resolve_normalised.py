"""resolve() keeps each query's normalised spelling per catalogue index: a repeated spelling gives
the same answer, and a value that only *compares* equal to a cached one (``1 == True``) or cannot be
hashed still gets its own check and its own error."""

from __future__ import annotations

import pytest

from smcat.catalog.errors import InvalidQuery
from smcat.catalog.resolve import _index_for, resolve
from tests.catalog.test_resolve import SNAPSHOT


def test_repeated_spelling_same_answer_and_cached_once() -> None:
    first = resolve("tensorflow", "2.0", "us-east-1", gpu=True, snapshot=SNAPSHOT)
    cached = len(_index_for(SNAPSHOT).normalised)
    again = resolve("tensorflow", "2.0", "us-west-2", gpu=True, snapshot=SNAPSHOT)
    assert len(_index_for(SNAPSHOT).normalised) == cached  # same spelling: no new entry
    assert again.uri == first.uri.replace("us-east-1", "us-west-2")
    assert again.to_dict() == resolve("tensorflow", "2.0", "us-west-2", gpu=True, snapshot=SNAPSHOT).to_dict()


@pytest.mark.parametrize("flag", [1, 1.0])
def test_gpu_that_equals_true_is_still_refused(flag) -> None:
    resolve("tensorflow", "2.0", "us-east-1", gpu=True, snapshot=SNAPSHOT)  # caches gpu=True
    with pytest.raises(InvalidQuery, match="Invalid gpu flag") as e:
        resolve("tensorflow", "2.0", "us-east-1", gpu=flag, snapshot=SNAPSHOT)
    assert e.value.field == "gpu"


def test_unhashable_value_is_reported_not_a_type_error() -> None:
    with pytest.raises(InvalidQuery) as e:
        resolve("tensorflow", "2.0", "us-east-1", cuda=["cu121"], snapshot=SNAPSHOT)
    assert e.value.field == "cuda"


def test_errors_after_a_cached_spelling_keep_their_order() -> None:
    resolve("tensorflow", "2.0", "us-east-1", snapshot=SNAPSHOT)
    with pytest.raises(InvalidQuery) as e:  # version is checked before region, as without the cache
        resolve("tensorflow", "lolwat", "Mars", snapshot=SNAPSHOT)
    assert e.value.field == "version"
    with pytest.raises(InvalidQuery) as e:
        resolve("tensorflow", "2.0", "Mars", snapshot=SNAPSHOT)
    assert e.value.field == "region"


def test_long_value_still_refused_by_the_length_caps() -> None:
    with pytest.raises(InvalidQuery, match="at most 64") as e:
        resolve("tensorflow", "2" * 65, "us-east-1", snapshot=SNAPSHOT)
    assert e.value.field == "version"
    with pytest.raises(InvalidQuery, match="at most 128") as e:
        resolve("tensorflow", "2.0", "us-east-1", cuda="c" * 129, snapshot=SNAPSHOT)
    assert e.value.field == "cuda"


@pytest.mark.parametrize("value", [["gpu"], {"gpu": 1}, 3])
def test_a_processor_that_is_not_a_string_is_refused_in_one_line(value) -> None:
    with pytest.raises(InvalidQuery, match="Invalid processor") as e:  # was a TypeError for a list
        resolve("tensorflow", "2.0", "us-east-1", processor=value, snapshot=SNAPSHOT)
    assert e.value.field == "processor"
