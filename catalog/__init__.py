"""smcat's catalogue: the data model, versioned store and resolution of SageMaker container images.

Imports nothing heavy: ``catalog`` depends only on the standard library, ``packaging`` and ``diskcache``.
"""
