"""AWS Deep Learning Containers ``available_images.md``, in every format it has had since 2020.

The file is hand-written markdown: a region table (region -> registry account, per container
family) and, per section, tables of framework images whose "Example URL" column holds full
us-east-1 (sometimes us-west-2) image URIs. Columns, section names and tag grammars changed
from year to year, so the parser is driven by header *names* and by the grammar of the image
URI / tag, never by column positions. Since 2026 the file is a stub pointing at a generated docs
site; ``parse`` recognises it and returns ``ParseResult(moved=...)`` instead of zero images.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ImageRecord, ParseResult, Provenance, RegistryAccount
from smcat.catalog.names import canonical_framework
from smcat.scrapers.scraper import Role, Scraper
from smcat.scrapers.tables import Table, markdown_tables

__all__ = ["COMMITS", "SCRAPER", "SOURCE", "START_URLS", "TAG_RE", "URL_PATTERN", "parse"]

SOURCE = "dlc-available-images"

URL_PATTERN = re.compile(
    r"^https://raw\.githubusercontent\.com/aws/deep-learning-containers/[^/?#]+/available_images\.md$"
)

_BASE = "https://raw.githubusercontent.com/aws/deep-learning-containers"

#: Recorded full versions of the file, newest first (2026-02-09 is the last full one).
COMMITS = (
    "d2846d66a6c9651c9dc13818fe7369f90dd58485",  # 2026-02-09
    "14cde701158e95967c1f22bbe39f93af3a704bb3",  # 2025-09-29
    "b6808daa38cb16c470e25740351f7e53c2c73b78",  # 2024-10-30
    "1cf477e73df0d01702a768c15a661fc3d6c92dc9",  # 2023-07-26
    "02a171e73f5ce1ddd38b66213c84c3034bcbb138",  # 2022-06-30
    "91bfcc844b830fac41eecac61966b84702c47d71",  # 2020-06-26
)

START_URLS: tuple[str, ...] = (
    f"{_BASE}/master/available_images.md",
    *(f"{_BASE}/{c}/available_images.md" for c in COMMITS),
)

#: The main DLC registry account (us-east-1 and most commercial regions).
_DLC_ACCOUNT = "763104351884"

_FACTS = ("repository", "tags", "version", "processor", "py_version", "cuda", "os", "platform")

#: A full ECR image URI; the tag is captured loosely and validated afterwards.
_URI_RE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9][a-z0-9._/-]*[a-z0-9])(?::(?P<tag>[^\s|,;()\[\]]*))?"
)

#: Tag grammar: ``{version}[-{component}{x}]*[-{processor}][-pyXY][-sdk..][-cuXYZ][-{os}][-{platform}]...``
#: Every part after the version is optional; ``rest`` keeps whatever a future grammar adds.
TAG_RE = re.compile(
    r"""
    ^(?P<version>\d+(?:\.\d+)*(?:(?:rc|\.post|\.dev)\d+)?)
    (?:-(?P<comp1>(?!(?:py|cu|sdk|ubuntu|amzn|al|synapseai|inf|trn|v|e)\d)[a-z]+\d[\w.]*?))?
    (?:-(?P<comp2>(?!(?:py|cu|sdk|ubuntu|amzn|al|synapseai|inf|trn|v|e)\d)[a-z]+\d[\w.]*?))?
    (?:-(?P<processor>cpu|gpu|hpu|neuronx|neuron|inf\d?|trn\d?))?
    (?:-(?P<py>py\d+))?
    (?:-(?P<processor_late>cpu|gpu))?
    (?:-(?P<sdk>sdk|synapseai)(?P<sdk_version>\d[\d.]*\d|\d))?
    (?:-(?P<cuda>cu\d+))?
    (?:-(?P<os>(?:ubuntu|amzn|al|debian|centos|rhel)\d[\d.]*\d|(?:ubuntu|amzn|al|debian|centos|rhel)\d))?
    (?:-(?P<platform>sagemaker|ec2|e3))?
    (?:-(?P<variant>full))?
    (?:-(?P<image_version>v\d+(?:\.\d+)*))?
    (?:-(?P<rest>.+))?
    $
    """,
    re.VERBOSE,
)

_MOVED_RE = re.compile(
    r"\b(?:moved|transitioned|now\s+hosted|relocated|has\s+been\s+migrated|no\s+longer\s+maintained\s+here)\b",
    re.IGNORECASE,
)
_HTTP_URL_RE = re.compile(r"https?://[^\s)>*\]`'\"]+")
_ACCOUNT_RE = re.compile(r"\b(\d{12})\b")
_PY_RE = re.compile(r"\(\s*(py\d+)\s*\)|\b(py\d+)\b")
_SCOPES = ("training", "inference", "general")
#: Repository name tokens that qualify a framework rather than name it.
_MODIFIERS = frozenset(
    {"training", "inference", "graviton", "arm64", "eia", "neuron", "neuronx", "habana", "trcomp", "tgi"}
)
_VARIANT_TOKENS = ("eia", "habana", "trcomp", "tgi")
#: Serving engines whose repositories carry no scope: they are inference images.
_SERVING = frozenset({"vllm", "sglang", "djl-inference", "sagemaker-tritonserver"})


# ---------------------------------------------------------------------------------------------
# Columns, matched by name: ``smcat.scrapers.tables`` reads the markdown (one reader for every source);
# rows are used as positional ``cells``, since their shape varies between the years' formats.


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def _column(header: Sequence[str], *patterns: str) -> int | None:
    """Index of the first header cell whose normalised name matches one of ``patterns``."""
    normed = [_norm(h) for h in header]
    for pat in patterns:
        rx = re.compile(pat)
        for idx, name in enumerate(normed):
            if rx.search(name):
                return idx
    return None


def _cell(row: Sequence[str], idx: int | None) -> str:
    return row[idx] if idx is not None and idx < len(row) else ""


# ---------------------------------------------------------------------------------------------
# The region table.


def _is_region_table(header: Sequence[str]) -> bool:
    return _column(header, r"^code$", r"region code") is not None and _column(header, r"^region") is not None


def _available(cell: str) -> bool:
    return bool(re.match(r"(?:available|yes)\b", cell.strip(), re.IGNORECASE)) or bool(
        _ACCOUNT_RE.search(cell)
    )


def _region_registries(table: Table, prov: Provenance, warnings: list[str]) -> list[RegistryAccount]:
    h = table.header
    c_region = _column(h, r"^region$", r"^region name", r"^region")
    c_code = _column(h, r"^code$", r"region code")
    c_url = _column(h, r"url", r"uri", r"registry")
    c_account = _column(h, r"account")
    c_general = _column(h, r"general")
    family_cols = [
        ("dlc-neuron", _column(h, r"neuron")),
        ("dlc-eia", _column(h, r"elastic inference", r"\beia\b")),
    ]
    out: list[RegistryAccount] = []
    for row in table.cells:
        code = _cell(row, c_code).strip().lower()
        if not code:
            continue
        m = _ACCOUNT_RE.search(_cell(row, c_url)) or _ACCOUNT_RE.search(_cell(row, c_account))
        if not m:
            warnings.append(f"region table row {code!r} has no registry account; skipped")
            continue
        account = m.group(1)
        name = _cell(row, c_region) or None
        if c_general is None or _available(_cell(row, c_general)):
            out.append(RegistryAccount("dlc", code, account, name, prov))
        for family, col in family_cols:
            if col is None:
                continue
            value = _cell(row, col)
            if _available(value):
                own = _ACCOUNT_RE.search(value)  # a family-specific account, when the cell gives one
                out.append(RegistryAccount(family, code, own.group(1) if own else account, name, prov))
    return out


# ---------------------------------------------------------------------------------------------
# Image tables.


def _platform_from_text(text: str) -> str | None:
    t = text.lower()
    if "sm support only" in t or "sagemaker" in t:
        return "sagemaker"
    if re.search(r"\bec2\b|\be3\b", t):
        return "ec2"
    return None


def _processor_from_text(text: str) -> str | None:
    t = text.lower()
    for word, proc in (("neuronx", "neuronx"), ("neuron", "neuron"), ("gpu", "gpu"), ("hpu", "hpu")):
        if word in t:
            return proc
    if re.search(r"\binf\d?\b|inferentia", t):
        return "inf"
    if "cpu" in t:
        return "cpu"
    return None


def _scopes_from_text(text: str) -> list[str]:
    t = text.lower()
    return [s for s in _SCOPES if s in t]


def _framework_of(repository: str) -> tuple[str, str | None]:
    """Canonical framework name and, for wrapper images (Hugging Face...), the base framework."""
    name = repository.rsplit("/", 1)[-1]
    tokens = name.split("-")
    core = [t for t in tokens if t not in _MODIFIERS]
    if not core:
        return name, None
    if core[0] == "huggingface":
        return "huggingface", core[1] if len(core) > 1 else None
    if name in _SERVING:
        return canonical_framework(name), None
    if len(core) == 1:
        return canonical_framework(core[0]), None
    # e.g. stabilityai-pytorch-inference: the vendor wraps a base framework.
    return canonical_framework(core[0]), core[1]


@dataclass
class _Context:
    url: str
    fetched_at: str
    dlc_accounts: dict[str, str]
    warnings: list[str]


def _image_records(table: Table, row: Sequence[str], uri: re.Match[str], ctx: _Context) -> list[ImageRecord]:
    h = table.header
    repo, tag = uri.group("repository"), uri.group("tag") or ""
    account, region = uri.group("account"), uri.group("region")
    m = TAG_RE.match(tag)
    if not m:
        ctx.warnings.append(f"tag {tag!r} of {repo} does not start with a version; row skipped")
        return []
    g = m.groupdict()

    extra: list[tuple[str, str]] = []
    for comp in (g["comp1"], g["comp2"]):
        if comp:
            cm = re.match(r"([a-z]+)(\d.*)", comp)
            assert cm is not None  # TAG_RE's comp groups are letters then a digit
            extra.append((cm.group(1), cm.group(2)))
    processor = g["processor"] or g["processor_late"]
    if g["sdk"]:
        key = "synapseai" if g["sdk"] == "synapseai" else ("neuron_sdk" if "neuron" in repo + tag else "sdk")
        extra.append((key, g["sdk_version"]))
    sdk_col = _cell(row, _column(h, r"neuron sdk", r"sdk version"))
    if sdk_col and not g["sdk"]:
        sm = re.search(r"\d+(?:\.\d+)+", sdk_col)
        if sm:
            extra.append(("neuron_sdk", sm.group(0)))
    if g["variant"]:
        extra.append(("variant", g["variant"]))
    if g["image_version"]:
        extra.append(("image_version", g["image_version"]))
    if g["rest"]:
        extra.append(("tag_suffix", g["rest"]))
    for tok in _VARIANT_TOKENS:
        if tok in repo.split("-"):
            extra.append(("repository_variant", tok))

    if processor is None:
        processor = _processor_from_text(
            _cell(row, _column(h, r"cpu gpu", r"accelerator", r"device", r"processor"))
        )
    if processor is None and g["cuda"]:
        processor = "gpu"
    if processor is None:
        processor = "neuronx" if "neuronx" in repo else "neuron" if "neuron" in repo else "cpu"

    py = g["py"]
    if py is None:
        options = {a or b for a, b in _PY_RE.findall(_cell(row, _column(h, r"python")))}
        py = options.pop() if len(options) == 1 else None

    platform = {"sagemaker": "sagemaker", "ec2": "ec2", "e3": "ec2"}.get(g["platform"] or "")
    if platform is None:
        platform = _platform_from_text(_cell(row, _column(h, r"^platform")))
    if platform is None:
        platform = _platform_from_text(table.heading)

    repo_tokens = repo.split("-")
    arch = (
        "arm64"
        if {"arm64", "graviton"} & set(repo_tokens)
        or re.search(r"graviton|arm64", table.heading, re.IGNORECASE)
        else "x86_64"
    )

    scopes = [s for s in ("training", "inference") if s in repo_tokens]
    if not scopes:
        scopes = _scopes_from_text(_cell(row, _column(h, r"job type", r"^job", r"scope")))
    framework, base = _framework_of(repo)
    if not scopes:
        scopes = ["inference"] if repo in _SERVING or framework in _SERVING else ["general"]

    version = g["version"]
    base_version = None
    if framework == "huggingface" or base:
        base_version = version
        # The SageMaker SDK's convention: a Hugging Face image's version is its transformers
        # (or, for the TGI images, its TGI) version; the tag's leading version is the base's.
        components = dict(extra)
        hf_version = components.get("transformers") or components.get("tgi")
        if framework == "huggingface" and hf_version:
            version = hf_version

    dlc_account = ctx.dlc_accounts.get(region, _DLC_ACCOUNT if region == "us-east-1" else None)
    family = None
    if account in (dlc_account, _DLC_ACCOUNT):
        family = "dlc-neuron" if {"neuron", "neuronx"} & set(repo_tokens) else "dlc"
        if "eia" in repo_tokens:
            family = "dlc-eia"

    prov = Provenance(source=SOURCE, url=ctx.url, fetched_at=ctx.fetched_at, facts=_FACTS)
    return [
        ImageRecord(
            framework=framework,
            version=version,
            image_scope=scope,
            processor=processor,
            repository=repo,
            tags=(tag,),
            py_version=py,
            cuda=g["cuda"],
            os=g["os"],
            platform=platform,
            arch=arch,
            accounts={region: account},
            registry_family=family,
            base_framework=base,
            base_framework_version=base_version,
            extra=tuple(extra),
            variant=_variant(extra),
            provenance=(prov,),
        )
        for scope in scopes
    ]


# ---------------------------------------------------------------------------------------------
# Whole-document checks and the entry point.


def _fail(msg: str, url: str) -> ParseError:
    return ParseError(f"{msg} ({url or 'no url'})", source=SOURCE, url=url)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<head" in head and "<body" in text.lower())


def _moved_target(text: str) -> str | None:
    """Where a stub says the list now lives (the first URL after the moved wording), or None."""
    m = _MOVED_RE.search(text)
    if not m:
        return None
    after = _HTTP_URL_RE.search(text, m.end())
    if after:
        return after.group(0).rstrip(".,;:")
    line_end = text.find("\n", m.end())
    return text[m.start() : line_end if line_end != -1 else None].strip()


def _check_truncated(table: Table, last_line: int, url: str, text: str) -> None:
    """Raise when the document ends inside a table row that was cut short.

    Detectable: the last row has fewer cells than its header, its URI has no tag or ends in
    ``-``/``.``, or it lacks the closing ``|`` *and* the file lacks its final newline (every
    recorded version ends ``|`` + newline; mid-file rows without ``|`` do occur and are fine).
    Not detectable: a cut that happens to leave a well-formed shorter tag and a closing pipe.
    """
    if not table.row_lines or table.row_lines[-1] != last_line:
        return
    row = table.cells[-1]
    closed = text.rstrip().endswith("|")
    cut = len(row) < len(table.header) or (not closed and not text.endswith("\n"))
    c_url = _column(table.header, r"example url", r"\burl\b", r"\buri\b", r"image")
    for m in _URI_RE.finditer(_cell(row, c_url)):
        tag = m.group("tag")
        if not tag or tag.endswith(("-", ".", ":")):
            cut = True
    if cut:
        raise _fail(
            f"available_images.md looks truncated: its last table row (under {table.heading!r}) is cut "
            f"short: {' | '.join(row)!r}; refetch the file",
            url,
        )


def parse(text: str, url: str, fetched_at: str = "") -> ParseResult:
    """Images and region registries from one version of ``available_images.md``.

    Raises ``ParseError`` when the text is empty, an HTML page, truncated, has image rows in a
    table without an "Example URL" column, or has neither a region table nor image tables (and
    is not today's "moved" stub).
    """
    if not text or not text.strip():
        raise _fail("available_images.md is empty", url)
    if _looks_like_html(text):
        raise _fail("expected markdown, got an HTML page (an error or login page?)", url)

    lines = text.splitlines()
    last_line = max((n for n, ln in enumerate(lines, 1) if ln.strip()), default=0)  # 1-based
    result = ParseResult()
    ctx = _Context(url=url, fetched_at=fetched_at, dlc_accounts={}, warnings=result.warnings)
    prov = Provenance(source=SOURCE, url=url, fetched_at=fetched_at, facts=("region", "account"))

    tables = markdown_tables(text)
    for table in tables:
        _check_truncated(table, last_line, url, text)
    for table in tables:
        if _is_region_table(table.header):
            regs = _region_registries(table, prov, result.warnings)
            result.registries.extend(regs)
            ctx.dlc_accounts.update({r.region: r.account for r in regs if r.family == "dlc"})

    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], ImageRecord] = {}
    image_tables = 0
    for table in tables:
        if _is_region_table(table.header):
            continue
        c_url = _column(table.header, r"example url", r"\burl\b", r"\buri\b", r"image")
        if c_url is None:
            if any(_URI_RE.search(" ".join(r)) for r in table.cells):
                raise _fail(
                    f"a table under {table.heading!r} lists image URIs but has no 'Example URL' column "
                    f"(header: {' | '.join(table.header)!r}); the file's format changed",
                    url,
                )
            continue
        found = False
        for row in table.cells:
            for m in _URI_RE.finditer(_cell(row, c_url)):
                found = True
                tag = m.group("tag") or ""
                if not tag or re.search(r"[<>`&]", tag):
                    result.warnings.append(
                        f"{m.group(0)!r} under {table.heading!r} has no concrete tag; skipped"
                    )
                    continue
                for rec in _image_records(table, row, m, ctx):
                    key = (rec.key, rec.tags)
                    seen.setdefault(key, rec)
        image_tables += found
    result.images.extend(seen.values())

    if not result.images and not result.registries:
        if not image_tables:
            target = _moved_target(text)
            if target:
                return ParseResult(moved=target, warnings=result.warnings)
        raise _fail(
            "no region table and no image tables found in available_images.md "
            f"({len(tables)} tables seen); expected '| Region | Code | ... | Example URL |' and "
            "'| Framework | ... | Example URL |' tables",
            url,
        )
    return result


#: Tag components that tell builds of one version apart (``lmi20.0.0``, ``tensorrtllm0.12.0``).
_BUILD_COMPONENTS = ("lmi", "tensorrtllm", "deepspeed", "optimum", "tgi", "sgm")


def _variant(extra: list[tuple[str, str]]) -> str | None:
    """The record's build variant, spelt as the DLC image data spells it (``lmi20.0.0``, ``sdk2.20.0``)."""
    parts = [f"{k}{v}" for k, v in extra if k in _BUILD_COMPONENTS]
    parts += [f"sdk{v}" for k, v in extra if k in ("neuron_sdk", "sdk", "synapseai")]
    return "-".join(parts) or None


#: This source's description, listed in ``smcat.scrapers.registry``.
SCRAPER = Scraper(
    name=SOURCE,
    description="Deep Learning Containers available_images.md (all formats since 2020)",
    parse=parse,
    url_pattern=URL_PATTERN,
    start_urls=START_URLS,
    # its verbatim URIs (historic versions) and its region table (older than region_availability.md)
    roles=frozenset({Role.VERBATIM_IMAGES, Role.REGION_TABLES}),
)
