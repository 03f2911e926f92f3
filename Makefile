# Two commands do everything on a fresh machine: `make run` and `make test`.
HOST ?= 127.0.0.1
PORT ?= 8000
# A second venv can sit beside the first: `PYTHON=python3.13 VENV=.venv-3.13 make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

# The interpreter: PYTHON when given, else the first of these that runs and is >= 3.11
# (scripts/find_python.sh says which it skipped, and why, and which it chose).
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
ifeq ($(origin PYTHON),undefined)
PYTHON_FOUND := $(shell sh scripts/find_python.sh first $(PYTHON_CANDIDATES))
else
PYTHON_FOUND := $(shell sh scripts/find_python.sh named '$(PYTHON)')
endif
ifeq ($(firstword $(PYTHON_FOUND)),ok)
# "version path" of the chosen interpreter, which makes the venv.
PYTHON_ID := $(wordlist 2,$(words $(PYTHON_FOUND)),$(PYTHON_FOUND))
override PYTHON := $(lastword $(PYTHON_ID))
else
PYTHON_ID :=
NO_PYTHON := $(or $(wordlist 2,$(words $(PYTHON_FOUND)),$(PYTHON_FOUND)),scripts/find_python.sh failed)
endif

.PHONY: print-python-executable install run backend serve standin test test-services test-clients lint schema e2e bench bench-validation clean FORCE

# The venv remembers which interpreter made it; another one rebuilds it from scratch.
ifneq ($(shell cat $(VENV)/.python 2>/dev/null),$(PYTHON_ID))
$(VENV)/.python: FORCE
endif
$(VENV)/.python:
	$(if $(PYTHON_ID),,$(error $(NO_PYTHON)))
	@echo "Making $(VENV) with Python $(PYTHON_ID)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	@echo "$(PYTHON_ID)" > $@

$(VENV)/.installed: $(VENV)/.python requirements.txt requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The interpreter's path (.ci/run compares it with the newest on the machine).
print-python-executable:
	$(if $(PYTHON_ID),,$(error $(NO_PYTHON)))
	@echo "$(wordlist 2,$(words $(PYTHON_ID)),$(PYTHON_ID))"

# The backend, the Kakao stand-in and (with Node) the example app; Ctrl-C stops all.
run: install
	PY=$(PY) PORT=$(PORT) scripts/dev.sh

# The backend alone.
backend: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

# The whole suite again against PostgreSQL and Redis (this project's machines run both).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
test-services: install
	@$(PY) scripts/check_services.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest

# Production-style locally: granian (backend/serve.py), DEBUG off, static files collected. Without
# DJANGO_SECRET_KEY a throwaway key is made for this run (and said so).
serve: install
	@if [ -z "$${DJANGO_SECRET_KEY:-}" ]; then \
	  echo "warning: DJANGO_SECRET_KEY is not set, so a throwaway key was generated for this run:" >&2; \
	  echo "  sessions do not survive a restart (access tokens, login state cookies and admin sessions signed with it stop working); set DJANGO_SECRET_KEY (32+ characters) to keep them." >&2; \
	fi; \
	export DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	$(PY) -m backend.serve

# The local Kakao stand-in alone (DEBUG only), e.g. for a front end of your own.
STANDIN_PORT ?= 8001
standin: install
	DJANGO_DEBUG=1 $(PY) manage.py kakao_standin --port $(STANDIN_PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

schema: install
	DJANGO_DEBUG=1 $(PY) manage.py graphql_schema --out schema.graphql

# Other clients against the backend and the stand-in (each on a free port): graphql-http's
# audit of the GraphQL-over-HTTP spec, urql, graphql-request and fetch (clients/, Node 20+).
test-clients: install
	cd clients && npm ci --no-audit --no-fund --silent
	cd clients && PY=$(CURDIR)/$(PY) npm test

# End-to-end tests in a real browser: Debian's Chromium driven by playwright-core.
e2e: install
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi nanum; then \
	  echo "Installing Chromium and a Korean font from Debian's packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null; \
	fi
	cd examples/apollo && npm ci --no-audit --no-fund --silent
	cd e2e && npm ci --no-audit --no-fund --silent
	cd e2e && PY=$(CURDIR)/$(PY) npm test

# Benchmarks (not tests): gunicorn on PostgreSQL + Redis and on SQLite; writes bench/results/.
# `make bench BENCH_QUICK=1`: a smoke run through every part (results to a temporary directory).
# `make bench BENCH_BASE=606b0a8`: the working tree against that commit, side by side,
# builds alternating (bench/compare.py; results in bench/results/compare.md).
BENCH_BASE ?=
bench: install
	$(PIP) install --quiet -r bench/requirements.txt
	@$(PY) scripts/check_services.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"
	$(if $(BENCH_BASE),BENCH_BASE=$(BENCH_BASE) $(PY) bench/compare.py,$(PY) bench/run.py)

# Only what checking hostile GraphQL documents costs (part of `make bench`): no PostgreSQL,
# no Redis, a table on stdout in a few seconds.
bench-validation: install
	$(PY) bench/validation.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Fault injection over real HTTP: our own server (as make serve runs it), stand-in, Redis and PostgreSQL
# (never the shared ones), bounded to 4 minutes. One scenario: make test-faults FAULTS=kakao_hang
FAULTS ?=
.PHONY: test-faults
test-faults: install
	$(PY) faults/run.py $(FAULTS)
