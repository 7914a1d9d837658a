# One image for the API, the worker and the migration step; compose picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY domain domain
COPY application application
COPY adapters adapters
COPY entrypoints entrypoints
COPY devstack devstack
RUN pip install . && useradd --create-home --uid 10001 app
USER app

EXPOSE 8000
CMD ["uvicorn", "--factory", "entrypoints.asgi:create", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
