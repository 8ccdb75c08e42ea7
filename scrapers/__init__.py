"""Scrapers: one module per upstream source family, each a pure ``parse(text, url)`` plus a thin fetch."""
