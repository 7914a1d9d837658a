# Everything runs from a virtualenv the Makefile creates: nothing to install by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

WORKER_THREADS ?= 8
# newman (the Postman CLI) from the npm registry, for the collection test.
NEWMAN := .tools/node_modules/.bin/newman

.PHONY: help install web chromium run api worker migrate cli fake-llm postman bench bench-smoke profile wrk test lint fmt clean

help:
	@echo "make run     - the chat page at http://$(HOST):$(PORT)/, API + worker (docs at /schema/swagger), on PostgreSQL and Redis"
	@echo "make migrate - bring the database schema up to date"
	@echo "make api / make worker - one piece, against DATABASE_URL and REDIS_URL"
	@echo "make cli ARGS=...  - the admin CLI (create-user, show-user, set-tier, reset-usage, retry-failed, fake-checkout)"
	@echo "make test  - install what is needed and run the whole test suite"
	@echo "make lint  - ruff, mypy and the import-linter layer contracts"
	@echo "make bench / make profile ROUTE=/chatroom - the performance table; where the API's CPU goes on one route"
	@echo "make fmt   - format and autofix with ruff"

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The web page's third-party code (marked, DOMPurify) from the npm registry, pinned by
# web/package-lock.json; see web/vendor.sh.
WEB_VENDOR := entrypoints/web/static/vendor/marked.js
$(WEB_VENDOR): web/package.json web/package-lock.json web/vendor.sh
	sh web/vendor.sh
	touch $@

web: $(WEB_VENDOR)

# The browser tests drive Debian's Chromium (installed here when missing, as wrk is).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

# API + worker on PostgreSQL and Redis (embedded ones unless DATABASE_URL/REDIS_URL are set).
run: $(STAMP) $(WEB_VENDOR)
	$(BIN)/python -m devstack run --host $(HOST) --port $(PORT) --worker-threads $(WORKER_THREADS)

# The pieces on their own, against DATABASE_URL and REDIS_URL.
# Development unless APP_ENV says otherwise (the service itself defaults to production).
api: $(STAMP) $(WEB_VENDOR)
	APP_ENV=$${APP_ENV:-development} $(BIN)/uvicorn --factory entrypoints.asgi:create --host $(HOST) --port $(PORT) --no-access-log --no-proxy-headers

worker: $(STAMP)
	APP_ENV=$${APP_ENV:-development} dramatiq_worker_timeout=50 $(BIN)/dramatiq entrypoints.worker:bootstrap --processes 1 --threads $(WORKER_THREADS)

migrate: $(STAMP)
	$(BIN)/python -m devstack migrate

# The admin CLI on the development database: make cli ARGS="show-user +919876543210"
cli: $(STAMP)
	$(BIN)/python -m devstack cli $(ARGS)

# A fake Gemini + OpenAI-compatible server speaking the real wire protocols (port 8090).
fake-llm: $(STAMP)
	$(BIN)/python -m tests.fakes.llm_server --port 8090

$(NEWMAN):
	npm install --prefix .tools --no-audit --no-fund --silent newman@6

test: $(STAMP) $(NEWMAN) $(WEB_VENDOR) chromium
	$(BIN)/pytest

# The benchmark (see bench/run.py); wrk comes from Debian's packages.
WRK := $(shell command -v wrk 2>/dev/null)
wrk:
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)

bench: $(STAMP) wrk
	$(BIN)/python -m bench.run

bench-smoke: $(STAMP) wrk
	$(BIN)/python -m bench.run --smoke

# Where the API's CPU goes on one route under load (py-spy): make profile ROUTE=/user/me
ROUTE ?= /chatroom
profile: $(STAMP) wrk
	$(BIN)/python -m bench.profile $(ROUTE)

# Regenerate docs/postman from the OpenAPI document.
postman: $(STAMP)
	$(BIN)/python scripts/generate_postman.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy domain application adapters entrypoints
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .tools web/node_modules entrypoints/web/static/vendor .pytest_cache .mypy_cache .ruff_cache .hypothesis
