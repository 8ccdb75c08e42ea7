"""The test helper ``MirrorOverlay``: reads go through to the recorded mirror, edits never do."""

from __future__ import annotations

from smcat.scrapers.http import Fetcher
from tests.mirror_overlay import MirrorOverlay


def test_an_edit_is_private_to_the_overlay_and_the_rest_reads_through(tmp_path):
    base = tmp_path / "base"
    (base / "example.com/a/b").mkdir(parents=True)
    (base / "example.com/a/b/doc.md").write_text("recorded\n")
    (base / "example.com/a/b/other.md").write_text("other\n")
    (base / "example.com/a/top.md").write_text("top\n")
    (base / "other.org").mkdir()
    (base / "other.org/x.json").write_text("{}")

    overlay = MirrorOverlay(base, tmp_path / "overlay")
    path = overlay.edit("https://example.com/a/b/doc.md?ref=main")
    assert path.read_text() == "recorded\n"  # starts as a copy of the recorded body
    path.write_text("broken\n")

    assert (base / "example.com/a/b/doc.md").read_text() == "recorded\n"
    fetched = Fetcher(mirror=overlay.root)
    assert fetched.fetch("https://example.com/a/b/doc.md").text == "broken\n"
    for url, text in [
        ("https://example.com/a/b/other.md", "other\n"),
        ("https://example.com/a/top.md", "top\n"),
        ("https://other.org/x.json", "{}"),
    ]:
        assert fetched.fetch(url).text == text

    again = overlay.edit_file("example.com/a/b/doc.md")  # a second edit keeps the first one's text
    assert again == path and again.read_text() == "broken\n"
    overlay.edit_file("example.com/a/top.md").write_text("")
    assert (base / "example.com/a/top.md").read_text() == "top\n"
