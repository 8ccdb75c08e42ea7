"""AWS docs "Docker Registry Paths and Example Code": an index page and one page per region.

Two published forms, one parser: markdown in the archived awsdocs GitHub repository (markdown
escapes such as ``\\.`` and ``\\(`` are part of that format) and HTML on the docs site. A region
page has one section per algorithm / DLC (``## Tensorflow (DLC)``) with an
``image_uris.retrieve(framework=...)`` example and a table whose columns vary::

    Registry path | Version | Job types (image scope) [| Processor types | Python versions]
    Registry path | Version | Package version | Job types (image scope)

Columns are found by name, never by position. The pages write the tag as ``<tag>``; the tag is
derived by the SageMaker SDK's conventions (see :func:`_derive_tags`) and marked as derived.
"""

from __future__ import annotations

import re
from itertools import product
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ImageRecord, ParseResult, Provenance
from smcat.catalog.names import canonical_framework, is_region_code
from smcat.scrapers.scraper import Role, Scraper
from smcat.scrapers.tables import Table, column, html_tables, markdown_tables, unescape_md

__all__ = ["INDEX_URL", "SCRAPER", "SOURCE", "URL_PATTERN", "parse"]

SOURCE = "aws-docs-ecr-paths"
INDEX_URL = (
    "https://raw.githubusercontent.com/awsdocs/amazon-sagemaker-developer-guide/"
    "a869fa5c9bd1074a85bd23748d0463e322ad8939/doc_source/sagemaker-algo-docker-registry-paths.md"
)
_PAGE = r"(?:ecr-[a-z0-9-]+|sagemaker-algo-docker-registry-paths)"
URL_PATTERN = re.compile(
    r"^https://(?:raw\.githubusercontent\.com/awsdocs/amazon-sagemaker-developer-guide/[^/]+/doc_source/"
    rf"{_PAGE}\.md|docs\.aws\.amazon\.com/sagemaker/latest/dg(?:-ecr-paths)?/{_PAGE}\.html)$"
)

_REGION_PAGE = re.compile(r"(?:^|/)ecr-([a-z0-9-]+)\.(?:md|html?)$")
_REGION_IN_TITLE = re.compile(r"\(([a-z]{2,4}(?:-[a-z]+)+-\d{1,2})\)\s*$")
_RETRIEVE = re.compile(r"framework\s*=\s*['\"]([\w.-]+)['\"]")
_REGISTRY_PATH = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>[a-z0-9.-]+?)"
    r"/(?P<repo>[a-z0-9][a-z0-9._/-]*?)(?::(?P<tag>\S+))?$"
)
_SECTION = re.compile(r"\((?:algorithm|dlc)\)$", re.IGNORECASE)
_HTML_SNIFF = re.compile(r"<(?:!doctype\s+html|html|head|body|table|div|h[1-6])\b", re.IGNORECASE)

# Column aliases (matched loosely: case, escapes, parentheses and plural "s" ignored).
_PATH = ("Registry path", "Registry", "Image URI", "ECR path")
_VERSION = ("Version", "Framework version", "Image version")
_PACKAGE = ("Package version",)
_SCOPE = ("Job types", "Job type", "Image scope")
_PROCESSOR = ("Processor types", "Processor", "Processors")
_PYTHON = ("Python versions", "Python version", "Python", "Py version")

_PROCESSORS = {
    "cpu": "cpu",
    "gpu": "gpu",
    "inf": "inf",
    "inf1": "inf",
    "inferentia": "inf",
    "neuron": "neuron",
    "neuronx": "neuronx",
    "inf2": "neuronx",
    "trn": "trn",
    "trainium": "trn",
}

# Tables without a Processor column (algorithms and first-party images) say nothing about the
# processor: those images are recorded as "cpu" and the fact is marked derived. Their tags follow
# the SDK's image_uris conventions, checked against the "# Output path" examples on the pages:
# blazingtext:1, clarify:1.0, sparkml-serving:2.4, sagemaker-scikit-learn:0.23-1-cpu-py3,
# sagemaker-xgboost:1.5-1, sagemaker-spark-processing:3.0-cpu, image-classification-neo:latest.
_NO_PROCESSOR_TAGS = {  # by repository
    # scikit-learn images carry "-cpu-py3"; the page has no Python column, py3 is the only one.
    "sagemaker-scikit-learn": ("{version}-cpu-py3",),
    # XGBoost: the SDK returns the bare version; the images also carry "-cpu-py3".
    # (The legacy algorithm image "xgboost:1" keeps the default bare version.)
    "sagemaker-xgboost": ("{version}", "{version}-cpu-py3"),
    "sagemaker-spark-processing": ("{version}-cpu",),
}
_PY3_REPOSITORIES = ("sagemaker-scikit-learn", "sagemaker-xgboost")  # first-party images, py3 only
# The tag needs facts the page does not give (the base framework version for Hugging Face,
# processor and Python for AutoGluon): no tag rather than a wrong one.
_NO_TAG_FRAMEWORKS = ("huggingface", "autogluon")


def _fail(message: str, url: str) -> ParseError:
    hint = "the page is broken or changed shape upstream; check it before trusting this source again"
    return ParseError(f"{message} ({url or 'no url'}): {hint}", source=SOURCE, url=url)


def parse(text: str, url: str, fetched_at: str = "") -> ParseResult:
    """Parse an index page (-> region page links) or a region page (-> image records)."""
    if not text or not text.strip():
        raise _fail("Empty document: expected a Docker Registry Paths page", url)
    is_html = bool(_HTML_SNIFF.search(text[:5000])) or (
        not text.lstrip().startswith("#") and url.split("?", 1)[0].endswith((".html", ".htm"))
    )
    if is_html:
        soup = BeautifulSoup(text, "html.parser")
        heading = soup.find("h1") or soup.title
        title = " ".join(heading.get_text(" ").split()) if heading else ""
        tables = html_tables(soup)
        hrefs = [str(a["href"]) for a in soup.find_all("a", href=True)]  # href is single-valued
        sections = [" ".join(h.get_text(" ").split()) for h in soup.find_all(["h2", "h3"])]
        topics: list[str] = []  # the HTML pages' topic lists are site navigation, not a checklist
    else:
        m = re.search(r"^#\s+(.*)$", text, re.MULTILINE)
        title = _md_heading(m.group(1)) if m else ""
        tables = markdown_tables(text)
        hrefs = re.findall(r"\]\(([^)\s]+)\)", text)
        sections = [_md_heading(h) for h in re.findall(r"^##\s+(.*)$", text, re.MULTILINE)]
        topics = [_md_heading(t) for t in re.findall(r"^\+ \[(.*)\]\(#[^)\s]+\)\s*$", text, re.MULTILINE)]

    region = _page_region(title, url)
    looks_like_paths_page = "registry path" in title.lower() or any(column(t, *_PATH) for t in tables)
    if not looks_like_paths_page:
        raise _fail(f"Not a Docker Registry Paths page (title: {title[:80]!r}, {len(tables)} tables)", url)
    if region is None:
        links = _region_links(hrefs, url)
        if not links:
            raise _fail("Index page lists no region pages (expected links to ecr-<region> pages)", url)
        return ParseResult(links=links)

    # A page cut short loses its last sections (listed under Topics) or a section's table.
    missing = [t for t in topics if t not in sections]
    if missing:
        raise _fail(f"Page lists {len(topics)} topics but has no section {missing[0]!r} (truncated?)", url)
    with_table = {t.heading for t in tables}
    empty = [h for h in sections if _SECTION.search(h) and h not in with_table]
    if empty:
        raise _fail(f"Section {empty[0]!r} has no registry table (truncated?)", url)
    result = ParseResult()
    seen: set[tuple[tuple[str, ...], str, tuple[str, ...], tuple[tuple[str, str], ...]]] = set()
    for table in tables:
        for record in _records(table, region, url, fetched_at, result.warnings):
            key = (record.key, record.framework, record.tags, tuple(sorted(record.accounts.items())))
            if key not in seen:  # the pages repeat some rows verbatim
                seen.add(key)
                result.images.append(record)
    if not result.images:
        raise _fail(f"Region page for {region} yielded no image rows ({len(tables)} tables)", url)
    return result


def _md_heading(text: str) -> str:
    return " ".join(unescape_md(re.sub(r"<a\s+name=[^>]*>(</a>)?", "", text)).split())


def _page_region(title: str, url: str) -> str | None:
    """The region a page is about: from its title ``... (us-east-1)``, else from ``ecr-<region>``."""
    m = _REGION_IN_TITLE.search(title)
    if m:
        return m.group(1)
    m = _REGION_PAGE.search(url.split("?", 1)[0])
    return m.group(1) if m and is_region_code(m.group(1)) else None


def _region_links(hrefs: list[str], url: str) -> list[str]:
    base = url or INDEX_URL
    links: list[str] = []
    for href in hrefs:
        absolute = urljoin(base, href.split("#", 1)[0])
        m = _REGION_PAGE.search(absolute)
        if m and is_region_code(m.group(1)) and absolute not in links:
            links.append(absolute)
    return links


def _section_framework(table: Table) -> tuple[str, str]:
    """(framework, section title): the SDK example's ``framework=`` when present, else the title."""
    title = table.heading
    m = _RETRIEVE.search(table.context)
    if m:
        return canonical_framework(m.group(1)), title
    name = _SECTION.sub("", title).strip()
    return canonical_framework(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")), title


def _split(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r",|\band\b|/", cell) if p.strip() and p.strip() not in ("-", "—")]


def _records(table: Table, region: str, url: str, fetched_at: str, warnings: list[str]) -> list[ImageRecord]:
    where = f"table under {table.heading!r}" if table.heading else "table"
    path_col, version_col = column(table, *_PATH), column(table, *_VERSION)
    scope_col = column(table, *_SCOPE)
    for name, col in (("Registry path", path_col), ("Version", version_col), ("Job types", scope_col)):
        if col is None:
            raise _fail(f"{where} has no {name!r} column; its columns are {list(table.header)}", url)
    assert path_col is not None and version_col is not None and scope_col is not None  # checked just above
    if table.bad_rows:
        raise _fail(
            f"{where} has a row with the wrong number of cells (truncated?): {table.bad_rows[0]!r}", url
        )
    processor_col, python_col = column(table, *_PROCESSOR), column(table, *_PYTHON)
    package_col = column(table, *_PACKAGE)
    framework, title = _section_framework(table)

    records = []
    for row in table.rows:
        m = _REGISTRY_PATH.match(row[path_col].replace(" ", ""))
        if not m:
            raise _fail(f"{where}: registry path {row[path_col]!r} is not <account>.dkr.ecr.<region>...", url)
        if m["region"] != region:
            warnings.append(
                f"{m['repo']}: registry path region {m['region']} differs from page region {region}"
            )
        # An empty Version (Model Monitor) means the untagged image, which Docker reads as :latest.
        version = row[version_col] or "latest"
        scopes = [s.lower() for s in _split(row[scope_col])]
        processors = [p.lower() for p in _split(row[processor_col])] if processor_col else ["cpu"]
        pys: list[str | None] = [p.lower() for p in _split(row[python_col])] if python_col else []
        if not pys:
            pys = ["py3"] if m["repo"] in _PY3_REPOSITORIES and not python_col else [None]
        extra = [("section", title)]
        if package_col and row[package_col]:
            extra.insert(0, ("package_version", row[package_col]))
        known = [_PROCESSORS[p] for p in processors if p in _PROCESSORS]
        warnings.extend(
            f"{where}: unknown processor {p!r} skipped" for p in processors if p not in _PROCESSORS
        )
        base = re.match(r"huggingface-(pytorch|tensorflow)-", m["repo"])
        for scope, processor, py in product(scopes, known, pys):
            tags, derived = _derive_tags(
                m["tag"], framework, m["repo"], version, processor, py, bool(processor_col)
            )
            provenance = _provenance(
                url,
                fetched_at,
                m["region"],
                tags,
                derived,
                processor_stated=bool(processor_col),
                py=py,
                py_stated=bool(python_col),
            )
            records.append(
                ImageRecord(
                    framework=framework,
                    version=version,
                    image_scope=scope,
                    processor=processor,
                    repository=m["repo"],
                    tags=tags,
                    py_version=py,
                    accounts={m["region"]: m["account"]},
                    base_framework=base.group(1) if base else None,
                    extra=tuple(extra),
                    derived_tags=derived,
                    provenance=provenance,
                )
            )
    if framework in _NO_TAG_FRAMEWORKS and records:
        warnings.append(f"{title}: tags not derived (the page does not give the facts the tag is made of)")
    return records


def _derive_tags(
    tag: str | None,
    framework: str,
    repo: str,
    version: str,
    processor: str,
    py: str | None,
    has_processor: bool,
) -> tuple[tuple[str, ...], bool]:
    """(tags, derived): a literal tag verbatim, else the SDK's tag convention for ``<tag>``."""
    if tag is None:
        return (), False
    if "<tag>" not in tag:
        return (tag,), False
    prefix = tag.split("<tag>", 1)[0]  # e.g. "coach0.11-" or "ray-0.8.5-torch-": the prefix holds the version
    variant = "-".join(p for p in (processor, py) if p)
    if prefix:
        return (prefix + variant,), True
    if has_processor:
        return (f"{version}-{variant}",), True
    if framework in _NO_TAG_FRAMEWORKS:
        return (), False
    patterns = _NO_PROCESSOR_TAGS.get(repo, ("{version}",))
    return tuple(p.format(version=version) for p in patterns), True


def _provenance(
    url: str,
    fetched_at: str,
    region: str,
    tags: tuple[str, ...],
    derived: bool,
    *,
    processor_stated: bool,
    py: str | None,
    py_stated: bool,
) -> tuple[Provenance, ...]:
    """What the table states, and (a second entry, ``derived=True``) what smcat filled in by convention."""
    stated = ["repository", "version", "image_scope", "processor", "py_version", "accounts"]
    implied = ["tags"] if derived else []
    if tags and not derived:
        stated.append("tags")
    if not processor_stated:  # no Processor column: "cpu" is the SDK default
        stated.remove("processor")
        implied.append("processor")
    if not py_stated:  # no Python column: "py3" for scikit-learn/XGBoost is derived, else nothing is said
        stated.remove("py_version")
        if py is not None:
            implied.append("py_version")
    out = [Provenance(SOURCE, url, fetched_at, facts=tuple(stated), region=region)]
    if implied:
        out.append(
            Provenance(SOURCE, url, fetched_at, facts=tuple(implied), derived=True, note=_NOTE, region=region)
        )
    return tuple(out)


_NOTE = (
    "the page writes <tag>: tag derived as {version}-{processor}[-{py_version}] (SDK convention); "
    "processor/py_version not in the table are the SDK defaults (cpu; py3 for scikit-learn/XGBoost)"
)


#: This source's description, listed in ``smcat.scrapers.registry``.
SCRAPER = Scraper(
    name=SOURCE,
    description="AWS docs 'Docker Registry Paths and Example Code' (index + region pages)",
    parse=parse,
    url_pattern=URL_PATTERN,
    start_urls=(INDEX_URL,),
    roles=frozenset({Role.DERIVED_IMAGES}),
)
