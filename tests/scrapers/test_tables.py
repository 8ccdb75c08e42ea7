"""smcat.scrapers.tables: markdown and HTML tables as rows keyed by normalized column names."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from smcat.scrapers.tables import column, html_tables, loose, markdown_tables, normalize_header, unescape_md

MARKDOWN = r"""# Page title<a name="page"></a>

## First \(algorithm\)<a name="first.title"></a>

```
# Output path  <- a comment in a code block, not a heading
| not | a | table |
| --- | --- | --- |
```

| Registry path | Version | Job types \(image scope\) |
| --- | --- | --- |
| 1\.dkr/a:<tag> | 1\.0\-1 | inference, training |
| 1\.dkr/b:<tag> | \- | training |

Text between tables\.

### Second

|A|B|
|:--|--:|
|x \| y|2|
"""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"1\.0\-1", "1.0-1"),  # dots and dashes
        (r"Job types \(image scope\)", "Job types (image scope)"),  # parentheses
        (r"a\_b \*c\* \\", "a_b *c* \\"),  # underscores, stars, an escaped backslash
        ("no escapes", "no escapes"),
    ],
)
def test_unescape_md(raw, expected):
    assert unescape_md(raw) == expected


@pytest.mark.parametrize(
    ("name", "normalized", "loosened"),
    [
        (r"Job types \(image scope\)", "job types (image scope)", "job type"),
        ("Job type", "job type", "job type"),
        ("  Python   versions ", "python versions", "python version"),
        ("Registry\u00a0path", "registry path", "registry path"),  # a no-break space from HTML
        ("Processor types", "processor types", "processor type"),
    ],
)
def test_header_names(name, normalized, loosened):
    assert normalize_header(name) == normalized
    assert loose(name) == loosened


def test_markdown_tables_headings_rows_and_context():
    first, second = markdown_tables(MARKDOWN)
    assert first.heading == "First (algorithm)"
    assert first.header == ("registry path", "version", "job types (image scope)")
    assert first.rows == (
        {
            "registry path": "1.dkr/a:<tag>",
            "version": "1.0-1",
            "job types (image scope)": "inference, training",
        },
        {"registry path": "1.dkr/b:<tag>", "version": "-", "job types (image scope)": "training"},
    )
    assert "# Output path" in first.context  # the code block belongs to the section's context
    assert first.bad_rows == ()
    assert second.heading == "Second"
    assert second.rows == ({"a": "x | y", "b": "2"},)  # an escaped pipe stays inside its cell


def test_markdown_table_inside_a_code_fence_is_not_a_table():
    assert len(markdown_tables(MARKDOWN)) == 2


@pytest.mark.parametrize(
    "last_row",
    [
        "| 1\\.dkr/c:<tag> | 2 |",  # a cell missing
        "| 1\\.dkr/c:<tag> | 2 | infer",  # cut mid-cell: the closing pipe is gone
        "| 1\\.dkr/c:<tag> | 2 | training | extra |",  # one cell too many
    ],
)
def test_markdown_rows_with_the_wrong_shape_are_kept_apart(last_row):
    text = (
        "| Registry path | Version | Job types |\n| --- | --- | --- |\n| 1/a:<tag> | 1 | training |\n"
        + last_row
    )
    (table,) = markdown_tables(text)
    assert len(table.rows) == 1
    assert table.bad_rows == (last_row,)


def test_column_matches_by_name_not_position():
    (table,) = markdown_tables(
        "| Version | Job types \\(image scope\\) | Registry path |\n| --- | --- | --- |\n"
    )
    assert column(table, "Registry path") == "registry path"
    assert column(table, "Job type", "Image scope") == "job types (image scope)"
    assert column(table, "Python versions") is None


HTML = """<html><body>
<h1>Title</h1>
<h2 id="s1">Section &amp; one (DLC)</h2>
<pre><code>image_uris.retrieve(framework='tensorflow')</code></pre>
<table><thead><tr><th>Registry path</th><th>Python versions</th></tr></thead>
<tbody><tr><td><code>1.dkr/a:&lt;tag&gt;</code></td><td><p>py2,</p> <p>py3</p></td></tr>
<tr><td>only one cell</td></tr></tbody></table>
<h2>Section two</h2>
<table><tr><th>A</th><th>B</th></tr><tr><td>x</td><td>y</td></tr></table>
<h3>Section three</h3>
<table><tr><td>Plain</td><td>Header</td></tr><tr><td>1</td><td>2</td></tr></table>
</body></html>"""


def test_html_tables():
    one, two, three = html_tables(BeautifulSoup(HTML, "html.parser"))
    assert one.heading == "Section & one (DLC)"  # entities decoded
    assert one.header == ("registry path", "python versions")
    assert one.rows == ({"registry path": "1.dkr/a:<tag>", "python versions": "py2, py3"},)
    assert one.bad_rows == ("only one cell",)
    assert "framework='tensorflow'" in one.context
    assert (two.heading, two.header, two.rows) == ("Section two", ("a", "b"), ({"a": "x", "b": "y"},))
    assert two.context == ""  # the <pre> above belongs to another section
    assert three.header == ("plain", "header")  # no <th>: the first row is the header
    assert three.rows == ({"plain": "1", "header": "2"},)


def test_markdown_setext_headings_cells_and_lines():
    # What available_images.md needed from its own reader before there was one: setext headings,
    # <br> and HTML entities in cells, repeated separators, and every row kept in order with its line.
    text = (
        "Region table\n============\n\n"
        "| Region | Code |\n|---|---|\n| US East<br>(N. Virginia) | us-east-1 |\n|---|---|\n"
        "| A &amp; B | x | extra |\n\n"
        "Images\n------\n| Framework | Example URL |\n| --- | --- |\n| PyTorch | 1.dkr/p:2.0 |"
    )
    regions, images = markdown_tables(text)
    assert (regions.heading, images.heading) == ("Region table", "Images")
    assert regions.rows == ({"region": "US East (N. Virginia)", "code": "us-east-1"},)
    assert regions.cells == (("US East (N. Virginia)", "us-east-1"), ("A & B", "x", "extra"))
    assert regions.row_lines == (6, 8)  # the repeated separator on line 7 is no row
    assert regions.bad_rows == ("| A &amp; B | x | extra |",)
    assert images.cells == (("PyTorch", "1.dkr/p:2.0"),) and images.row_lines == (14,)
