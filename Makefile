# Two commands for a newcomer: `make demo` and `make test`. Everything else is what they call.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PORT    ?= 8000
HOST    ?= 127.0.0.1
DEMO_IFC ?= models_ifc/out/hospital_small.ifc
MQTT_URL ?= mqtt://127.0.0.1:1883
LINT_DIRS := $(wildcard twin api models_ifc tests bench)

CAMPUS_DIR ?= models_ifc/out/campus

.PHONY: setup system venv viewer-deps webifc-deps demo demo-campus serve test lint typecheck bench clean

setup: system venv viewer-deps webifc-deps

system:            ## Debian packages the tests and the demo use (chromium, PostGIS); skipped when present
	bash scripts/setup-system.sh

venv: $(BIN)/twin
$(BIN)/twin: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/twin

webifc-deps: twin/ifc/webifc/node_modules/web-ifc/package.json  ## web-ifc geometry worker (issue 20)
twin/ifc/webifc/node_modules/web-ifc/package.json: twin/ifc/webifc/package.json
	cd twin/ifc/webifc && npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	touch $@

viewer-deps: viewer/node_modules/three/package.json
viewer/node_modules/three/package.json: viewer/package.json
	cd viewer && SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error || SCARF_ANALYTICS=false npm install --no-audit --no-fund --loglevel=error
	touch $@

demo: setup        ## readings over MQTT from the broker setup-system starts (scripts/broker.sh); MQTT_URL= for none
	TWIN_MQTT_URL=$(MQTT_URL) $(BIN)/twin demo --host $(HOST) --port $(PORT)

demo-campus: setup $(CAMPUS_DIR)/campus.json  ## the demo campus (docs/campus.md): generated once, the viewer opens on its map
	$(BIN)/twin demo --campus $(CAMPUS_DIR)/campus.json --host $(HOST) --port $(PORT)

$(CAMPUS_DIR)/campus.json: | venv
	$(BIN)/python -m models_ifc --size campus --out $(CAMPUS_DIR)

serve: venv
	$(BIN)/twin serve $(DEMO_IFC) --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

typecheck: venv
	$(BIN)/mypy

test: setup lint typecheck
	bash scripts/run-tests.sh

bench: venv
	$(BIN)/python bench/ingest.py

clean:
	rm -rf var test-artifacts models_ifc/out .pytest_cache
