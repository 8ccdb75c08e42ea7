"""One module per source family: a pure ``parse(text, url, fetched_at)`` and its ``Scraper``.

Each module describes itself (name, parser, URL pattern, start URLs, roles in the merge) in a
module-level ``SCRAPER``; ``smcat.scrapers.registry`` lists them in merge-precedence order.
"""
