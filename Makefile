# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo smoke test lint wheel-check bench clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the package metadata changes.
$(STAMP): setup.cfg setup.py pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $@

install: $(STAMP)

# System packages the tests need (PostgreSQL server binaries); a no-op where they are present.
system-deps:
	bash .ci/system-deps.sh

demo: install
	$(BIN)/etsgw demo

smoke: install
	$(BIN)/etsgw demo --smoke

lint: install
	$(BIN)/lint-imports

test: install system-deps lint
	$(BIN)/python -m pytest

# The built wheel, installed in a fresh venv, upgrades a database, runs the smoke scenario and
# decodes the golden messages, away from the source tree (needs PyPI for the dependencies).
wheel-check: install
	PYTHON=$(BIN)/python bash .ci/wheel-check.sh

bench: install
	@set -e; for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) var .pytest_cache .import_linter_cache *.egg-info build dist
