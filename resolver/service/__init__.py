"""The HTTP service (FastAPI): the app, its settings and dependencies, the catalogue holder,
refresh jobs, caching and error bodies, and one router per resource in ``routes/``.

``create_app`` is in ``smcat.service.app`` (``uvicorn smcat.service.app:create_app --factory``);
``smcat serve`` runs it through ``smcat.service.serving``. The HTML pages are ``smcat.pages``.
Importing this package imports nothing: FastAPI loads with the module that needs it.
"""
