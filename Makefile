# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run backend test lint schema e2e clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The backend, the Kakao stand-in and (with Node) the example app; Ctrl-C stops all.
run: install
	PY=$(PY) PORT=$(PORT) scripts/dev.sh

# The backend alone.
backend: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

schema: install
	DJANGO_DEBUG=1 $(PY) manage.py graphql_schema --out schema.graphql

# End-to-end tests in a real browser: Debian's Chromium driven by playwright-core.
e2e: install
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi nanum; then \
	  echo "Installing Chromium and a Korean font from Debian's packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null; \
	fi
	cd examples/apollo && npm ci --no-audit --no-fund --silent
	cd e2e && npm ci --no-audit --no-fund --silent
	cd e2e && PY=$(CURDIR)/$(PY) npm test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
