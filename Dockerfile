# syntax=docker/dockerfile:1
# One image for every newsflow service; compose / Kubernetes pick the service by overriding CMD:
#   python -m services.ingest | clean | enrich | index | search
# No apt packages are installed (every dependency ships manylinux wheels), so there is nothing
# to pin; healthchecks use a python one-liner instead of curl.

FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# a venv keeps every installed dependency in one directory that the runtime stage copies whole
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies only, resolved from pyproject.toml alone (empty package stubs), so that a code
# edit does not re-download spaCy and its model. The project itself is not installed: its wheel
# carries no package data (services/enrich/data/*.json, services/search/static/*), so the
# runtime stage runs the source tree instead.
COPY pyproject.toml README.md ./
RUN mkdir -p shared services newsflow_cli \
    && touch shared/__init__.py services/__init__.py newsflow_cli/__init__.py \
    && pip install --no-cache-dir . \
    && pip uninstall --yes newsflow

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSFLOW_INGEST_HOST=0.0.0.0 \
    NEWSFLOW_SEARCH_HOST=0.0.0.0
# fixed numeric uid/gid so Kubernetes runAsNonRoot can check it without a passwd lookup
RUN groupadd --system --gid 10001 newsflow \
    && useradd --system --uid 10001 --gid newsflow --no-create-home --shell /usr/sbin/nologin newsflow
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
# root-owned and read-only to the service user: the code is never modified at run time
COPY shared ./shared
COPY services ./services
COPY newsflow_cli ./newsflow_cli
USER 10001:10001
# ingest and search HTTP, then the clean / enrich / index metrics ports; CMD picks which is live
EXPOSE 8000 8001 9101 9102 9103
# Default check for the HTTP services (ingest unless NEWSFLOW_HEALTH_URL says otherwise);
# compose and Kubernetes define their own per service.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os,sys,urllib.request; u=os.environ.get('NEWSFLOW_HEALTH_URL','http://127.0.0.1:8001/health'); sys.exit(0 if urllib.request.urlopen(u, timeout=4).status == 200 else 1)"]
CMD ["python", "-m", "services.ingest"]
