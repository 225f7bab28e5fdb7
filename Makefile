# One-command entry points. Each target creates the virtual environment and
# installs what it needs, so a fresh clone on a fresh machine just works.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml package.json 2>/dev/null | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: run test bench bench-quick install system-deps worker beat lint clean assets chromium translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) assets

## Browser assets: bpmn-js from the npm registry (pinned by package-lock.json), copied into
## service/web/static/vendor/ (gitignored, like node_modules/).
VENDOR := service/web/static/vendor
## IBM_TELEMETRY_DISABLED: @carbon/grid (pulled in by form-js) runs an install script that reports usage
## from CI and containers; this project sends nothing anywhere when it is built.
$(VENDOR)/.stamp: package.json package-lock.json
	IBM_TELEMETRY_DISABLED=true npm ci --no-audit --no-fund
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	touch $@

## Page scripts written as ES modules (service/web/src/*.js, one bundle per top-level file; shared modules in
## subfolders) bundled by service/web/build.mjs with esbuild (pinned by package-lock.json) into
## $(VENDOR)/bundle/NAME.js, the CSS they import in NAME.css. Rebuilt when a source or package-lock changes.
BUNDLE_SOURCES := $(shell find service/web/src -type f 2>/dev/null) service/web/build.mjs
$(VENDOR)/bundle/.stamp: $(VENDOR)/.stamp $(BUNDLE_SOURCES)
	rm -rf $(VENDOR)/bundle
	node service/web/build.mjs
	touch $@

assets: $(VENDOR)/.stamp $(VENDOR)/bundle/.stamp

## Debian packages, installed with apt-get as root (sudo otherwise) when missing; waits for another apt.
APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

## Debian's chromium for the browser tests (Playwright cannot download browsers here).
chromium:
	@test -x /usr/bin/chromium || { $(APT) update && $(APT) install -y chromium; }

## What the service needs from the system: Debian's Noto CJK fonts, so Chinese renders in the browser
## (and the browser tests' screenshots) and in the PDFs on a fresh machine instead of as empty boxes;
## Pango, its FreeType backend and HarfBuzz's subsetter, which WeasyPrint lays out and embeds text with.
SYSTEM_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then $(APT) update && $(APT) install -y --no-install-recommends $$missing; fi

## Serve the demo on 127.0.0.1:5000 (SQLite file in instance/, demo data loaded).
run: install
	$(BIN)/appraisal run --host 127.0.0.1 --port 5000

## A Celery worker / the beat on their own (REDIS_URL must be set; `make run` with RUN_JOBS=0).
worker: install
	$(BIN)/celery -A service.jobs.celery_app worker --loglevel=INFO
beat: install
	mkdir -p instance && $(BIN)/celery -A service.jobs.celery_app beat --loglevel=INFO -s instance/celerybeat-schedule

## The whole suite: architecture contracts, then every test (SQLite and PostgreSQL).
test: install chromium system-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

## Mutation testing of the modules behind README's Guarantees table (mutmut 3; [tool.mutmut] in
## pyproject.toml says which modules and tests). Not part of `make test`: it reruns tests per mutant.
## Results stay in mutants/ (a rerun continues where it stopped); the survivors are listed in README.md.
mutation: install
	$(BIN)/python -m pip install --quiet "mutmut>=3.8,<4"
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

lint: install
	$(BIN)/lint-imports

## The catalogue of text (service/catalogue): extract every msgid from the code and templates (babel.cfg)
## and merge it into the zh_CN and en .po files; then write the English of each new msgid in the en file.
## Nothing is compiled to disk: the .po files are read and compiled in memory when the service starts.
CATALOGUE := service/catalogue/translations
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _l -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project appraisal-flow -o $(CATALOGUE)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUE)/messages.pot -d $(CATALOGUE) --no-fuzzy-matching --ignore-obsolete -w 0
	rm -f $(CATALOGUE)/messages.pot

## Benchmarks (bench/README.md): one `name: value` line per figure, saved to bench/results.json.
## Needs the local PostgreSQL and Redis; creates and drops its own appraisal_bench_* databases.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Every benchmark on tiny inputs, so CI keeps them working (no time is asserted).
bench-quick: install
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
