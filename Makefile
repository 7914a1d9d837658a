# Everything runs from a virtualenv the Makefile creates: nothing to install by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint fmt clean

help:
	@echo "make run   - start the API on http://$(HOST):$(PORT) (docs at /schema/swagger)"
	@echo "make test  - install what is needed and run the whole test suite"
	@echo "make lint  - ruff, mypy and the import-linter layer contracts"
	@echo "make fmt   - format and autofix with ruff"

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@echo "API: http://$(HOST):$(PORT)  docs: http://$(HOST):$(PORT)/schema/swagger"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/uvicorn --factory entrypoints.asgi:create --host $(HOST) --port $(PORT) --no-access-log

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy domain application adapters entrypoints
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
