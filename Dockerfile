# The web page's third-party code, from the npm registry at the versions web/ pins.
FROM node:20-slim AS web
WORKDIR /src
COPY web/package.json web/package-lock.json web/vendor.sh web/
RUN sh web/vendor.sh

# One image for the API, the worker and the migration step; compose picks the command.
FROM python:3.11-slim

# What gets deployed is production unless told otherwise: it refuses to start without
# real secrets and a real code delivery. docker compose sets development for local tries.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 APP_ENV=production
WORKDIR /app

COPY pyproject.toml README.md ./
COPY domain domain
COPY application application
COPY adapters adapters
COPY entrypoints entrypoints
COPY --from=web /src/entrypoints/web/static/vendor entrypoints/web/static/vendor
COPY devstack devstack
# /data/files: uploaded files (FILE_STORE=local); compose mounts a volume shared by API and workers.
RUN pip install . && useradd --create-home --uid 10001 app && mkdir -p /data/files && chown app /data/files
ENV FILES_DIR=/data/files
USER app

EXPOSE 8000
# --no-proxy-headers: the app reads X-Forwarded-For itself, through TRUSTED_PROXY_HOPS.
CMD ["uvicorn", "--factory", "entrypoints.asgi:create", "--host", "0.0.0.0", "--port", "8000", "--no-access-log", "--no-proxy-headers"]
