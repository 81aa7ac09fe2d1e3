# ADAM: `make run` serves the demo, `make test` runs every test. Both build .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations db refdata demo bench eval assets test-assets clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# The interface in French, Russian and Spanish: the .po catalogues are committed, the .mo files are built here.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d adam/translations

install: $(VENV)/.installed translations

db: install
	$(BIN)/flask --app adam db upgrade

refdata: db
	$(BIN)/flask --app adam refdata

demo: refdata
	$(BIN)/flask --app adam demo

run: demo
	@echo "ADAM is serving on http://$(HOST):$(PORT)"
	$(BIN)/flask --app adam run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

# Benchmarks: prints one table and writes bench/results.json (`make bench ONLY="search load"` for some).
bench: install
	$(BIN)/python -m bench.run $(ONLY)

# Overlap quality: the demo's planted pairs and the real IATI benchmark (`make eval ONLY=demo` for one).
eval: install
	$(BIN)/python -m bench.eval_overlap $(ONLY)

clean:
	rm -rf $(VENV) instance .pytest_cache

# Vendored map files, committed so that `make run` works offline: installed from the npm registry into a
# temporary folder, then copied into static/vendor/ (no CDN, no tile server). The 1:50m atlas, not the
# 1:110m one: the smaller file has no Bahrain, Maldives, Mauritius or Seychelles, all on the routes.
WORLD_ATLAS := world-atlas@2.0.2
TOPOJSON_CLIENT := topojson-client@3.1.0
assets:
	tmp=$$(mktemp -d) && npm install --prefix $$tmp --no-audit --no-fund --silent $(WORLD_ATLAS) $(TOPOJSON_CLIENT) && \
	mkdir -p static/vendor/world-atlas static/vendor/topojson-client && \
	cp $$tmp/node_modules/world-atlas/countries-50m.json $$tmp/node_modules/world-atlas/LICENSE static/vendor/world-atlas/ && \
	cp $$tmp/node_modules/topojson-client/dist/topojson-client.min.js $$tmp/node_modules/topojson-client/LICENSE static/vendor/topojson-client/ && \
	rm -rf $$tmp

# axe-core for the accessibility checks of the browser tests (test-only: never served by the app).
AXE_CORE := axe-core@4.14.1
test-assets:
	tmp=$$(mktemp -d) && npm install --prefix $$tmp --no-audit --no-fund --silent $(AXE_CORE) && \
	mkdir -p tests/browser/vendor && \
	cp $$tmp/node_modules/axe-core/axe.min.js $$tmp/node_modules/axe-core/LICENSE tests/browser/vendor/ && \
	rm -rf $$tmp

