# The two commands: `make dev` and `make test`. Each does all of its own set-up.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: dev test lint typecheck test-servers clean

dev: $(VENV)/.synced
	$(BIN)/shopgraph dev

test: $(VENV)/.synced test-servers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

# Install the test servers' programs when missing (Debian packages, FerretDB, Elasticsearch).
test-servers: $(VENV)/.synced
	$(BIN)/python -m datastores.testservices.install

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

clean:
	rm -rf $(VENV) $(TOOLS) build .mypy_cache .ruff_cache .pytest_cache
