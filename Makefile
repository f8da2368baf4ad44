# The two commands: `make dev` and `make test`. Each does all of its own set-up.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

GRAPHIQL := router/http/graphiql

.PHONY: dev test test-servers clean

dev: $(VENV)/.synced $(GRAPHIQL)/node_modules/.installed
	$(BIN)/shopgraph dev

test: $(VENV)/.synced $(GRAPHIQL)/node_modules/.installed test-servers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/shopgraph schema check
	$(BIN)/pytest

# Install the test servers' programs when missing (Debian packages, FerretDB, Elasticsearch).
test-servers: $(VENV)/.synced
	$(BIN)/python -m datastores.testservices.install

# GraphiQL's scripts and styles, from the npm registry (the router serves them itself).
$(GRAPHIQL)/node_modules/.installed: $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	npm ci --prefix $(GRAPHIQL) --no-audit --no-fund --loglevel=error
	touch $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

clean:
	rm -rf $(VENV) $(TOOLS) build .mypy_cache .ruff_cache .pytest_cache $(GRAPHIQL)/node_modules
