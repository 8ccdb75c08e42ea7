"""Scrapers: ``sources/`` (one module per upstream source family, each a pure ``parse`` and its
``Scraper``), the ``registry`` that orders them, and the shared machinery: HTTP, tables, merge, refresh."""
