"""Image versions and user versions: parsing, matching, ordering."""

from __future__ import annotations

import pytest
from packaging.version import Version

from smcat.catalog.errors import InvalidQuery
from smcat.catalog.versions import parse_image_version, parse_user_version, sort_key, version_matcher

IMAGE_VERSIONS = [
    "2.0",
    "2.0.1",
    "2.0.4",
    "2.1.3",
    "2.9.3",
    "2.10.1",
    "2.19.0",
    "1.0-1",
    "1.2-1",
    "1.7-1",
    "0.23-1",
    "1",
    "24.03",
    "0.5.12+amzn2023.578d27e",
    "b9522",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.19.0", Version("2.19.0")),  # DLC: plain PEP 440
        ("1.0-1", Version("1.0.post1")),  # first-party sklearn/xgboost: "-1" is a post release
        ("1.7-1", Version("1.7.post1")),  # xgboost
        ("0.23-1", Version("0.23.post1")),  # old sklearn
        ("1", Version("1")),  # built-in algorithm
        ("24.03", Version("24.3")),  # Triton's year.month
        ("0.5.12+amzn2023.578d27e", Version("0.5.12+amzn2023.578d27e")),  # local label kept
        ("b9522", Version("9522")),  # llama.cpp-style build number
        ("v1.4", Version("1.4")),  # a "v" prefix
        ("1.x", Version("1")),  # an image published as a family (Data Wrangler) orders as its release
        ("2.0.x-1", None),  # a family with a suffix is nothing
        ("latest", None),  # a word
        ("", None),  # empty
        ("gpu", None),  # no number at all
    ],
)
def test_parse_image_version(text, expected):
    assert parse_image_version(text) == expected


def test_parse_image_version_rejects_non_strings():
    assert parse_image_version(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("user", "matches"),
    [
        ("2.0", ["2.0", "2.0.1", "2.0.4"]),  # major.minor: the 2.0.x family
        ("2", ["2.0", "2.0.1", "2.0.4", "2.1.3", "2.9.3", "2.10.1", "2.19.0"]),  # major: the 2.x family
        ("2.1", ["2.1.3"]),  # 2.1 is not 2.10 or 2.19 (no string prefix matching)
        ("2.10", ["2.10.1"]),  # two-digit minor
        ("2.0.4", ["2.0.4"]),  # exact
        ("2.0.0", ["2.0"]),  # exact: PEP 440 reads 2.0.0 and 2.0 as the same version
        ("1.0-1", ["1.0-1"]),  # first-party exact
        ("1.0.post1", ["1.0-1"]),  # the same, spelled PEP 440
        ("1.2", ["1.2-1"]),  # a family includes its first-party post releases
        ("0.23", ["0.23-1"]),  # old sklearn family
        ("1", ["1.0-1", "1.2-1", "1.7-1", "1"]),  # major 1 family
        ("24.03", ["24.03"]),  # Triton; 24.03 == 24.3
        ("0.5.12", ["0.5.12+amzn2023.578d27e"]),  # exact ignores the image's local label
        ("0.5.12+amzn2023.578d27e", ["0.5.12+amzn2023.578d27e"]),  # a local label given is compared
        ("0.5.12+other", []),  # ... and must agree
        ("b9522", ["b9522"]),  # build ids match as text
        ("B9522", ["b9522"]),  # ... case-insensitively
        ("2.x", ["2.0", "2.0.1", "2.0.4", "2.1.3", "2.9.3", "2.10.1", "2.19.0"]),  # spelled-out family
        ("2.0.*", ["2.0", "2.0.1", "2.0.4"]),  # glob family
        (">=2.9,<2.11", ["2.9.3", "2.10.1"]),  # a specifier
        ("==2.0.4", ["2.0.4"]),  # an exact specifier
        ("v2.0", ["2.0", "2.0.1", "2.0.4"]),  # "v" prefix allowed
        (" 2.0 ", ["2.0", "2.0.1", "2.0.4"]),  # surrounding spaces
        ("latest", IMAGE_VERSIONS),  # everything
        ("LATEST", IMAGE_VERSIONS),  # case
        ("*", IMAGE_VERSIONS),  # star
        ("", IMAGE_VERSIONS),  # empty string: unset (an empty HTTP query parameter)
    ],
)
def test_version_matcher(user, matches):
    pred = version_matcher(user)
    assert [v for v in IMAGE_VERSIONS if pred(v)] == matches


@pytest.mark.parametrize(
    ("user", "image", "expected"),
    [
        ("latest", "latest", True),  # an image published as "latest" (Debugger)
        ("1.x", "1.x", True),  # an image published as a family (Data Wrangler), asked verbatim
        ("1", "1.x", True),  # ... or by its major
        ("2.x", "1.x", False),  # another family
        ("2.0.4", "latest", False),  # a word is not a version
    ],
)
def test_version_matcher_on_published_words_and_families(user, image, expected):
    assert version_matcher(user)(image) is expected


@pytest.mark.parametrize(
    "user",
    [
        "lolwat",  # a word
        "2..0",  # empty component
        "2.0.x-1",  # family with a suffix
        "   ",  # only spaces
        ">=two",  # bad specifier
        "2.0 gpu",  # extra words
        "1.0_1-",  # garbage after the release
        "~=2",  # specifier that packaging rejects
    ],
)
def test_version_matcher_rejects_malformed(user):
    with pytest.raises(InvalidQuery) as exc:
        version_matcher(user)
    assert repr(user) in str(exc.value)  # names the bad value
    assert "'2.0'" in str(exc.value) and "latest" in str(exc.value)  # and gives examples
    assert exc.value.field == "version"


@pytest.mark.parametrize("user", [None, 2, ["2.0"]])
def test_parse_user_version_rejects_non_strings(user):
    with pytest.raises(InvalidQuery):
        parse_user_version(user)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("2.9.3", "2.10.1"),  # never string order
        ("2.10.1", "2.19.0"),  # two-digit minors
        ("1.0-1", "1.2-1"),  # first-party
        ("1.0", "1.0-1"),  # a post release is newer than its base
        ("0.23-1", "1.0-1"),  # across majors
        ("2.0.4", "2.0.10"),  # two-digit patch
        ("1.13.1", "2.0"),  # major beats minor
        ("junk", "0.0.1"),  # unparsable sorts first
    ],
)
def test_sort_key_orders_by_version(lower, higher):
    assert sort_key(lower) < sort_key(higher)


def test_sort_key_sorts_a_list():
    assert sorted(["2.10.1", "2.9.3", "2.19.0", "2.1.3"], key=sort_key) == [
        "2.1.3",
        "2.9.3",
        "2.10.1",
        "2.19.0",
    ]
