# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTHON ?= python3

.PHONY: install demo test lint typecheck pytest serve bench clean

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED)

# Run the application with the generated demo school on http://127.0.0.1:8000
demo: $(INSTALLED)
	DEMO_MODE=1 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEMO_MODE=1 $(PY) manage.py migrate --noinput --verbosity 0
	DEMO_MODE=1 $(PY) manage.py createcachetable
	DEMO_MODE=1 $(PY) manage.py seed_demo --if-empty
	@echo "Serving the demo school on http://127.0.0.1:8000 (Ctrl+C to stop)"
	DEMO_MODE=1 $(PY) manage.py runserver 127.0.0.1:8000

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy

pytest: $(INSTALLED)
	$(VENV)/bin/pytest

# Lint, format check, type check and the whole test suite.
test: lint typecheck pytest

# Production-style: gunicorn, DEBUG off. Needs SECRET_KEY, FIELD_ENCRYPTION_KEY and
# ALLOWED_HOSTS in the environment (see README).
serve: $(INSTALLED)
	DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py createcachetable
	DEBUG=0 $(VENV)/bin/gunicorn peersupport.wsgi --bind 127.0.0.1:8000 --workers 3 --access-logfile -

bench: $(INSTALLED)
	$(PY) bench/import_students.py
	$(PY) bench/register.py
	$(PY) bench/matching.py
	$(PY) bench/matching_groups.py
	$(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) var/static
