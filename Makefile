# One-command entry points. Each target creates the virtual environment and
# installs what it needs, so a fresh clone on a fresh machine just works.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml package.json 2>/dev/null | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: run test bench bench-quick install system-deps worker beat lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Serve the demo on 127.0.0.1:5000 (SQLite file in instance/, demo data loaded).
run: install
	$(BIN)/appraisal run --host 127.0.0.1 --port 5000

## The whole suite: architecture contracts, then every test (SQLite and PostgreSQL).
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
