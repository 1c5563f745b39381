# hipviz developer tasks.  `make run` to launch, `make test` to run the test suite and
# prove the built wheel works outside the checkout (what CI runs, via README.md).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv sysdeps run test lint wheel-smoke bench bench-web bench-classroom meshes clean

# (Re)install the package only when pyproject.toml changed since the last install.
venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@

sysdeps:
	scripts/install-system-deps.sh

run: venv
	$(BIN)/hipviz

# Lint first (seconds). pytest-xvfb starts Xvfb itself (hence sysdeps); GUI tests run on
# its display. Then the wheel: built, installed into a fresh virtualenv and run from
# outside the checkout.
test: sysdeps venv
	$(MAKE) lint
	$(BIN)/python -m pytest
	$(MAKE) wheel-smoke

# ruff (lint and format) and the import contracts of pyproject.toml (the layers)
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

wheel-smoke: sysdeps venv
	scripts/wheel-smoke.sh $(BIN)/python

bench: venv
	$(BIN)/python -m hipviz.bench

# the classroom server under real headless browsers (needs sysdeps: chromium)
bench-web: sysdeps venv
	$(BIN)/python benchmarks/browser_load.py

# the classroom server at classroom scale on the wire (no browsers: the server gets the cores)
bench-classroom: venv
	$(BIN)/python benchmarks/classroom_load.py

meshes: venv
	$(BIN)/pip install -e '.[build]'
	$(BIN)/hipviz build-meshes
	$(BIN)/hipviz build-muscles

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
