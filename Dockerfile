# smcat resolver service: slim Python, non-root, the shipped catalogue baked into the package.
#
#   deploy/build-image.sh REGISTRY/smcat     # docker build with the version, revision and source labels
#
# Base image: python:3.11-slim-trixie (Python 3.11.16 on Debian 13) pinned to its multi-arch OCI
# image index digest, as the tag stood when pushed on 2026-08-16 (amd64 and arm64). This digest
# was not resolved from this machine (it cannot reach a container registry): it is the index
# digest that public projects record for that tag. To move it, resolve the tag's current digest
# with `docker buildx imagetools inspect python:3.11-slim-trixie` and replace it here.
FROM python:3.11-slim-trixie@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SMCAT_WORKERS=2 \
    SMCAT_PORT=8080 \
    SMCAT_CATALOG=/var/lib/smcat/catalog

WORKDIR /app
# Dependencies first (a layer that only changes with the locks), every file checked against the
# hashes in the locks (deploy/lock-requirements.sh regenerates them from pyproject.toml).
COPY requirements.lock requirements-build.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock -r requirements-build.lock

COPY pyproject.toml README.md ./
COPY catalog ./catalog
COPY scrapers ./scrapers
COPY resolver ./resolver
# --no-deps: everything is already installed from the locks; --no-build-isolation: build with the
# locked setuptools instead of fetching an unpinned one.
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
 && useradd --system --uid 10001 --home-dir /var/lib/smcat --create-home smcat \
 && mkdir -p /var/lib/smcat/catalog \
 && chown -R smcat /var/lib/smcat

# Labels last, so a new revision does not invalidate the install layers above.
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="smcat" \
      org.opencontainers.image.description="Find the right Amazon SageMaker prebuilt container image for any model." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11-slim-trixie" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SMCAT_PORT', '8080'), timeout=2)"]
CMD ["sh", "-c", "exec smcat serve --host 0.0.0.0 --port \"$SMCAT_PORT\" --workers \"$SMCAT_WORKERS\""]
