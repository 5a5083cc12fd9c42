# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo smoke test test-unit test-integration test-e2e lint wheel-check bench clean system-deps screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the package metadata changes.
$(STAMP): setup.cfg setup.py pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $@

install: $(STAMP)

# System packages the tests need (PostgreSQL server binaries, Chromium); a no-op where present.
system-deps:
	bash .ci/system-deps.sh

demo: install
	$(BIN)/etsgw demo

smoke: install
	$(BIN)/etsgw demo --smoke

# Layer contracts (import-linter), ruff, and mypy (strict on the domain, the use cases and the
# wire edge; see [mypy] in setup.cfg).
lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check gateway webapp jobs tests bench
	$(BIN)/mypy gateway/domain gateway/services gateway/wire

test: install system-deps lint
	$(BIN)/python -m pytest

test-unit: install
	$(BIN)/python -m pytest tests/unit

test-integration: install system-deps
	$(BIN)/python -m pytest tests/integration

test-e2e: install system-deps
	$(BIN)/python -m pytest tests/e2e

# Regenerate docs/screenshots/ from the browser tests (headless Chromium over the demo data).
screenshots: install system-deps
	ETSGW_SCREENSHOTS=1 ETSGW_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q tests/e2e/web

# The built wheel, installed in a fresh venv, upgrades a database, runs the smoke scenario and
# decodes the golden messages, away from the source tree (needs PyPI for the dependencies).
wheel-check: install
	PYTHON=$(BIN)/python bash .ci/wheel-check.sh

bench: install
	@set -e; for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f; done
	@echo "== bench/chaos.py --postgres --debits 5000"; $(BIN)/python bench/chaos.py --postgres --debits 5000

clean:
	rm -rf $(VENV) var .pytest_cache .import_linter_cache .mypy_cache .ruff_cache *.egg-info build dist
