# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run backend serve test test-services lint schema e2e bench clean

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

# The whole suite again against PostgreSQL and Redis (this project's machines run both).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
test-services: install
	@$(PY) scripts/check_services.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest

# Production-style locally: gunicorn, DEBUG off, static files collected.
serve: install
	@export DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py backend.wsgi

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

# Benchmarks (not tests): PostgreSQL + Redis + gunicorn on this machine; writes bench/results/.
bench: install
	$(PIP) install --quiet -r bench/requirements.txt
	@$(PY) scripts/check_services.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Fault injection over real HTTP: our own gunicorn, stand-in, Redis and PostgreSQL
# (never the shared ones), bounded to 4 minutes. One scenario: make test-faults FAULTS=kakao_hang
FAULTS ?=
.PHONY: test-faults
test-faults: install
	$(PY) faults/run.py $(FAULTS)
