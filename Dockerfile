# smcat resolver service: slim Python, non-root, the shipped catalogue baked into the package.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SMCAT_WORKERS=2 \
    SMCAT_PORT=8080 \
    SMCAT_CATALOG=/var/lib/smcat/catalog

WORKDIR /app
COPY pyproject.toml README.md ./
COPY catalog ./catalog
COPY scrapers ./scrapers
COPY resolver ./resolver
RUN pip install --no-cache-dir . \
 && useradd --system --uid 10001 --home-dir /var/lib/smcat --create-home smcat \
 && mkdir -p /var/lib/smcat/catalog \
 && chown -R smcat /var/lib/smcat

USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SMCAT_PORT', '8080'), timeout=2)"]
CMD ["sh", "-c", "exec smcat serve --host 0.0.0.0 --port \"$SMCAT_PORT\" --workers \"$SMCAT_WORKERS\""]
