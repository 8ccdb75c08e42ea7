"""Merging sources: precedence, accounts per region from region tables and docs, conflicts."""

from __future__ import annotations

import dataclasses

from smcat.catalog.models import ImageRecord, ParseResult, Provenance, RegistryAccount
from smcat.scrapers.merge import MergeInput, merge
from smcat.scrapers.registry import SCRAPERS, get
from smcat.scrapers.scraper import Role, Scraper

YAML = Provenance("dlc-image-data", "https://raw.test/tf.yml", "t")
AVAIL = Provenance("dlc-available-images", "https://raw.test/available_images.md", "t")
DOCS_SG = Provenance("aws-docs-ecr-paths", "https://docs.test/ecr-ap-southeast-1.md", "t")
DOCS_CN = Provenance("aws-docs-ecr-paths", "https://docs.test/ecr-cn-north-1.md", "t")
REGIONS = Provenance("dlc-regions", "https://raw.test/region_availability.md", "t")


def ra(family, region, account, prov=REGIONS):
    return RegistryAccount(family, region, account, provenance=prov)


def img(prov, **kw):
    base = dict(
        framework="tensorflow",
        version="2.19.0",
        image_scope="inference",
        processor="gpu",
        repository="tensorflow-inference",
        provenance=(prov,),
    )
    base.update(kw)
    return ImageRecord(**base)


def _inp():
    inp = MergeInput()
    inp.add(
        "dlc-regions",
        REGIONS.url,
        ParseResult(
            registries=[
                ra("dlc", "us-east-1", "763104351884"),
                ra("dlc", "ap-southeast-1", "763104351884"),
                ra("dlc", "af-south-1", "626614931356"),
                ra("algorithms", "us-east-1", "683313688378"),
            ]
        ),
    )
    inp.add(
        "dlc-image-data",
        YAML.url,
        ParseResult(
            images=[
                img(
                    YAML,
                    tags=("2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker",),
                    py_version="py312",
                    platform="sagemaker",
                    registry_family="dlc",
                    ga="2025-03-11",
                    eop="2026-03-11",
                ),
                img(
                    YAML,
                    framework="sklearn",
                    version="1.2-1",
                    processor="cpu",
                    repository="sagemaker-scikit-learn",
                    tags=("1.2-1",),
                    registry_family="algorithms",
                ),
            ]
        ),
    )
    inp.add(
        "dlc-available-images",
        AVAIL.url,
        ParseResult(
            registries=[ra("dlc", "af-south-1", "999999999999", AVAIL)],
            images=[
                img(
                    AVAIL,
                    version="2.0.4",
                    image_scope="training",
                    repository="tensorflow-training",
                    tags=("2.0.4-gpu-py36-cu100-ubuntu18.04",),
                    py_version="py36",
                    accounts={"us-east-1": "763104351884"},
                    registry_family="dlc",
                )
            ],
        ),
    )
    inp.add(
        "aws-docs-ecr-paths",
        DOCS_SG.url,
        ParseResult(
            images=[
                # the same TF 2.0.4 training image, as the docs page says it (py3, derived tag)
                img(
                    DOCS_SG,
                    version="2.0.4",
                    image_scope="training",
                    repository="tensorflow-training",
                    tags=("2.0.4-gpu-py3",),
                    py_version="py3",
                    derived_tags=True,
                    accounts={"ap-southeast-1": "763104351884"},
                ),
                # an image only the docs know
                img(
                    DOCS_SG,
                    version="2.0.4",
                    tags=("2.0.4-gpu",),
                    derived_tags=True,
                    accounts={"ap-southeast-1": "763104351884"},
                ),
            ]
        ),
    )
    inp.add(
        "aws-docs-ecr-paths",
        DOCS_CN.url,
        ParseResult(
            images=[
                img(
                    DOCS_CN,
                    version="2.0.4",
                    tags=("2.0.4-gpu",),
                    derived_tags=True,
                    accounts={"cn-north-1": "727897471807"},
                ),
            ]
        ),
    )
    inp.add(
        "dlc-legacy",
        "https://raw.test/legacy.yml",
        ParseResult(lifecycle={("tensorflow", "2.0"): ("2019-09-30", "2021-09-30")}),
    )
    return inp


def _by(images, repo, version):
    return next(r for r in images if r.repository == repo and r.version == version)


def test_yaml_images_get_every_region_of_their_registry_family():
    images, registries, _ = merge(_inp())
    tf = _by(images, "tensorflow-inference", "2.19.0")
    assert tf.accounts == {
        "us-east-1": "763104351884",
        "ap-southeast-1": "763104351884",
        "af-south-1": "626614931356",
    }
    sk = _by(images, "sagemaker-scikit-learn", "1.2-1")
    assert sk.accounts == {"us-east-1": "683313688378"}  # first-party images: the algorithm registry
    assert registries["algorithms"] == {"us-east-1": "683313688378"}


def test_docs_claims_attach_to_verbatim_images_and_keep_verbatim_tags():
    images, _, _ = merge(_inp())
    tr = _by(images, "tensorflow-training", "2.0.4")
    assert tr.tags == ("2.0.4-gpu-py36-cu100-ubuntu18.04",)  # verbatim tag preferred over derived
    assert not tr.derived_tags
    assert {p.source for p in tr.provenance} == {"dlc-available-images", "aws-docs-ecr-paths"}
    assert tr.ga == "2019-09-30" and tr.eop == "2021-09-30"  # legacy lifecycle by major.minor


def test_docs_only_images_keep_derived_tags_and_union_their_regions():
    images, _, _ = merge(_inp())
    inf = _by(images, "tensorflow-inference", "2.0.4")
    assert inf.tags == ("2.0.4-gpu",) and inf.derived_tags
    assert inf.accounts == {"ap-southeast-1": "763104351884", "cn-north-1": "727897471807"}
    assert len(inf.provenance) == 2


def test_disagreements_are_kept_as_conflicts_and_region_table_wins():
    _images, registries, conflicts = merge(_inp())
    assert registries["dlc"]["af-south-1"] == "626614931356"  # dlc-regions over available_images.md
    c = next(c for c in conflicts if c.subject == "dlc registry in af-south-1")
    assert dict(c.claims) == {"626614931356": REGIONS.url, "999999999999": AVAIL.url}


# --------------------------------------------------------------------------- the SDK's configuration

SDK = Provenance("sdk-image-config", "https://raw.test/master/tensorflow.json", "t")
SDK_V2 = Provenance("sdk-image-config-v2", "https://raw.test/master-v2/tensorflow.json", "t")


def _sdk(prov=SDK, **kw):
    base = dict(
        tags=("2.19.0-gpu-py312",),
        py_version="py312",
        accounts={
            "us-east-1": "763104351884",
            "us-gov-east-1": "446045086412",
            "us-iso-east-1": "886529160074",
        },
        sdk_tags=(("2.19", "2.19-gpu-py312"), ("2.19.0", "2.19.0-gpu-py312")),
    )
    base.update(kw)
    return img(prov, **base)


def test_one_image_seen_by_the_dlc_data_and_the_sdk_is_one_record_with_both_tags():
    inp = _inp()
    inp.add("sdk-image-config", SDK.url, ParseResult(images=[_sdk()]))
    images, _, _ = merge(inp)
    [tf] = [r for r in images if r.version == "2.19.0" and r.processor == "gpu" and r.platform != "ec2"]
    assert tf.tags[0] == "2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker"  # pinned first
    assert "2.19.0-gpu-py312" in tf.tags and dict(tf.sdk_tags)["2.19"] == "2.19-gpu-py312"
    assert {"us-gov-east-1", "us-iso-east-1"} <= set(tf.accounts)  # partitions only the SDK lists
    assert {p.source for p in tf.provenance} >= {"dlc-image-data", "sdk-image-config"}


def test_sdk_entries_join_only_the_same_python_and_keep_their_own_images_otherwise():
    inp = _inp()
    inp.add(
        "sdk-image-config", SDK.url, ParseResult(images=[_sdk(py_version="py3", tags=("2.19.0-gpu-py3",))])
    )
    images, _, _ = merge(inp)
    gpu = [r for r in images if r.version == "2.19.0" and r.processor == "gpu" and r.platform != "ec2"]
    assert sorted(r.py_version or "" for r in gpu) == ["py3", "py312"]


def test_an_account_disagreement_is_a_conflict_with_the_winner_and_the_rule():
    inp = _inp()
    inp.add(
        "sdk-image-config",
        SDK.url,
        ParseResult(images=[_sdk(accounts={"us-east-1": "111111111111", "us-gov-east-1": "446045086412"})]),
    )
    images, _, conflicts = merge(inp)
    [c] = [c for c in conflicts if c.field == "account" and "us-east-1" in c.subject]
    assert c.winner == "763104351884" and "wins over the SDK" in c.reason
    assert {v for v, _ in c.claims} == {"763104351884", "111111111111"}
    [tf] = [r for r in images if r.version == "2.19.0" and r.processor == "gpu" and r.platform != "ec2"]
    assert tf.accounts["us-east-1"] == "763104351884"


def test_the_sdks_two_lines_disagreeing_on_a_tag_keep_both_claims_and_master_wins():
    inp = MergeInput()
    inp.add("sdk-image-config", SDK.url, ParseResult(images=[_sdk(tags=("2.19.0-gpu-py312-new",))]))
    inp.add("sdk-image-config-v2", SDK_V2.url, ParseResult(images=[_sdk(SDK_V2)]))
    images, _, conflicts = merge(inp)
    assert [r.tags for r in images] == [("2.19.0-gpu-py312-new",)]
    [c] = conflicts
    assert c.field == "tag" and c.winner == "2.19.0-gpu-py312-new" and "master" in c.reason


def test_an_engine_the_sdk_names_must_be_in_the_pinned_tag_to_join():
    # one DJL version ships several engines in one repository: lmi and tensorrtllm are two images
    dlc = img(YAML, framework="djl-inference", repository="djl-inference", version="0.30.0",
              tags=("0.30.0-lmi12.0.0-cu124",), accounts={"us-east-1": "763104351884"})  # fmt: skip
    trt = img(SDK, framework="djl-tensorrtllm", repository="djl-inference", version="0.30.0",
              variant="tensorrtllm0.12.0",
              tags=("0.30.0-tensorrtllm0.12.0-cu125",), accounts={"us-east-1": "763104351884"})  # fmt: skip
    lmi = img(SDK, framework="djl-lmi", repository="djl-inference", version="0.30.0", variant="lmi12.0.0",
              tags=("0.30.0-lmi12.0.0-cu124",), accounts={"us-east-1": "763104351884"})  # fmt: skip
    inp = MergeInput()
    inp.add("dlc-image-data", YAML.url, ParseResult(images=[dlc]))
    inp.add("sdk-image-config", SDK.url, ParseResult(images=[trt, lmi]))
    images, _, _ = merge(inp)
    assert sorted((r.framework, r.tags[0]) for r in images) == [
        ("djl-lmi", "0.30.0-lmi12.0.0-cu124"),
        ("djl-tensorrtllm", "0.30.0-tensorrtllm0.12.0-cu125"),
    ]
    [joined] = [r for r in images if r.framework == "djl-lmi"]
    assert joined.also_known_as == ("djl-inference",)  # the DLC data's name still answers


def test_elastic_inference_repositories_are_the_eia_scope():
    inp = MergeInput()
    eia = img(AVAIL, repository="pytorch-inference-eia", framework="pytorch", version="1.3.1",
              processor="cpu",
              tags=("1.3.1-cpu-py36-ubuntu16.04",), accounts={"us-east-1": "763104351884"})  # fmt: skip
    inp.add("dlc-available-images", AVAIL.url, ParseResult(images=[eia]))
    [r], _, _ = merge(inp)
    assert r.image_scope == "eia"


# --------------------------------------------------------------------------- roles and precedence


def _renamed(inp: MergeInput, prefix: str) -> tuple[MergeInput, list[Scraper]]:
    """``inp`` under other source names, with the registry's sources renamed the same way."""
    out = MergeInput()
    for name, parsed in inp.results.items():
        for url, res in parsed:
            out.add(prefix + name, url, res)
    return out, [dataclasses.replace(s, name=prefix + s.name) for s in SCRAPERS]


def test_the_merge_asks_a_sources_roles_never_its_name():
    inp = _inp()
    inp.add("sdk-image-config", SDK.url, ParseResult(images=[_sdk(accounts={"us-east-1": "111111111111"})]))
    renamed, sources = _renamed(inp, "mirror-of-")
    assert merge(renamed, sources) == merge(inp)
    # without their roles, the same results are not used at all
    silent = [dataclasses.replace(s, roles=frozenset()) for s in sources]
    assert merge(renamed, silent) == ([], {}, [])


def test_the_registry_order_is_the_precedence_among_sources_of_one_role():
    regions, avail = get("dlc-regions"), get("dlc-available-images")
    assert regions.plays(Role.REGION_TABLES) and avail.plays(Role.REGION_TABLES)
    _images, registries, conflicts = merge(_inp(), [regions, avail])
    assert registries["dlc"]["af-south-1"] == "626614931356"  # the region table, listed first, wins
    _images, registries, conflicts = merge(_inp(), [avail, regions])
    assert registries["dlc"]["af-south-1"] == "999999999999"  # available_images.md first: it wins
    c = next(c for c in conflicts if c.subject == "dlc registry in af-south-1")
    assert c.winner == "999999999999"


def test_the_sdks_line_listed_first_wins():
    inp = MergeInput()
    inp.add("sdk-image-config", SDK.url, ParseResult(images=[_sdk(tags=("2.19.0-gpu-py312-new",))]))
    inp.add("sdk-image-config-v2", SDK_V2.url, ParseResult(images=[_sdk(SDK_V2)]))
    v3, v2 = get("sdk-image-config"), get("sdk-image-config-v2")
    [r], _, _ = merge(inp, [v2, v3])
    assert r.tags == ("2.19.0-gpu-py312",)  # master-v2 listed first: its tag is kept
