# The two commands: `make dev` and `make test`. Each does all of its own set-up.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

GRAPHIQL := router/http/graphiql
AXE := tests/e2e

.PHONY: dev test setup test-servers chart-tools clean

dev: $(VENV)/.synced $(GRAPHIQL)/node_modules/.installed
	$(BIN)/shopgraph dev

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/shopgraph schema check
	$(BIN)/pytest

# `make test`'s set-up, a step at a time: a line saying a step is up to date (`make -q`), or
# one as it starts and one when it is done, with its duration; then the whole set-up's.
SETUP_BEGAN := $(shell date +%s%N)
SECONDS_SINCE = awk -v began=$(1) -v now="$$(date +%s%N)" 'BEGIN { printf "%.1fs", (now - began) / 1e9 }'
RUN_STEP = began=$$(date +%s%N); echo "make test: $(1)..."; $(MAKE) --no-print-directory $(2) \
	&& echo "make test: $(1) done in $$($(call SECONDS_SINCE,$$began))"
define step
	@if $(MAKE) -q --no-print-directory $(2) 2>/dev/null; then \
	  echo "make test: $(1) up to date"; else $(call RUN_STEP,$(1),$(2)); fi
endef

setup:
	$(call step,tools (uv $(UV_VERSION)),$(UV))
	$(call step,venv sync,$(VENV)/.synced)
	@$(call RUN_STEP,test servers' programs,test-servers)
	@$(call RUN_STEP,the chart's tools (helm and kubeconform and the Kubernetes schemas),chart-tools)
	$(call step,GraphiQL node_modules,$(GRAPHIQL)/node_modules/.installed)
	$(call step,the browser tests' axe-core,$(AXE)/node_modules/.installed)
	@echo "make test: set-up done in $$($(call SECONDS_SINCE,$(SETUP_BEGAN)))"

# Install the test servers' programs when missing (Debian packages, FerretDB, Elasticsearch).
test-servers: $(VENV)/.synced
	$(BIN)/python -m datastores.testservices.install

# Helm and kubeconform, built from the Go module proxy into ~/.cache/shopgraph/bin once per
# deploy/tools/go.sum, and the Kubernetes JSON schemas the chart is validated against.
chart-tools: $(VENV)/.synced
	$(BIN)/python -m tests.deploy.chart_tools

# GraphiQL's scripts and styles, from the npm registry (the router serves them itself).
$(GRAPHIQL)/node_modules/.installed: $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	npm ci --prefix $(GRAPHIQL) --no-audit --no-fund --loglevel=error
	touch $@

# axe-core, which the browser tests inject into each page to check its accessibility.
$(AXE)/node_modules/.installed: $(AXE)/package.json $(AXE)/package-lock.json
	npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error
	touch $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

clean:
	rm -rf $(VENV) $(TOOLS) build .mypy_cache .ruff_cache .pytest_cache $(GRAPHIQL)/node_modules \
		$(AXE)/node_modules
