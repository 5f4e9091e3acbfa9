# Gongwucang — two commands: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP_FLAGS := --disable-pip-version-check -q

.PHONY: demo test test-fast test-browser lint typecheck check bench messages clean

$(VENV)/.runtime: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -c requirements.lock -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml requirements.lock
	$(PY) -m pip install $(PIP_FLAGS) -c requirements.lock -e ".[dev]"
	@touch $@

## demo: set up the embedded SQLite demo under var/ and serve http://127.0.0.1:8000 (with the task worker)
demo: $(VENV)/.runtime
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py load_categories
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py serve_demo

## test: every test (browser tests too when Chromium is installed); DATABASE_URL picks the database
test: $(VENV)/.dev
	$(PY) -m pytest -p no:cacheprovider -q $(PYTEST_ARGS)

## test-fast: the suite without the browser tests
test-fast: $(VENV)/.dev
	$(PY) -m pytest -p no:cacheprovider -q -m "not browser" $(PYTEST_ARGS)

## test-browser: only the browser tests (Playwright driving /usr/bin/chromium)
test-browser: $(VENV)/.dev
	GWC_REQUIRE_BROWSER=1 $(PY) -m pytest -p no:cacheprovider -q -m browser $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy gongwucang/*/domain gongwucang/*/services.py gongwucang/*/selectors.py gongwucang/core

## messages: refresh the English catalogue from the Chinese msgids and compile it (needs GNU gettext)
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench --ignore=node_modules
	$(PY) manage.py compilemessages -l en --ignore=.venv

bench: $(VENV)/.dev
	$(PY) bench/run_all.py

clean:
	rm -rf var/test-media .pytest_cache .mypy_cache .ruff_cache
