# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test e2e chromium install lint format migrate clean

## run: create .venv, install, migrate, seed demo data, print the admin login, serve on :5000
##      with one background-job worker beside the server (stopped with it)
run: install
	$(BIN)/python manage.py db upgrade
	$(BIN)/python manage.py seed-demo --if-empty
	@echo
	@echo "  Back office: http://$(HOST):$(PORT)/admin/   (log in at http://$(HOST):$(PORT)/login)"
	@$(BIN)/python manage.py create-admin admin@example.com --generate-password --reset
	@echo
	@# One shell for both: the worker runs in the background and the trap stops it
	@# when the server exits (Ctrl+C, an error, or the terminal closing).
	$(BIN)/python manage.py worker --threads 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM HUP; \
	$(BIN)/python manage.py run --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite; set TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## e2e: browser tests (Playwright driving Debian's Chromium) against gunicorn on a fresh
##      database; screenshots under artifacts/e2e/ (TEST_DATABASE_URL: on PostgreSQL)
e2e: install chromium
	$(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

## chromium: Debian's Chromium for the browser tests (Playwright never downloads one)
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "The browser tests need Chromium at /usr/bin/chromium." >&2; \
	    echo "Install it as root: apt-get install chromium" >&2; \
	    exit 1; \
	  fi; \
	fi

## install: the virtualenv with every pinned dependency, runtime and development
##          (production installs requirements.txt only: see the README)
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip check
	touch $@

## lint: ruff, as CI runs it
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## migrate: generate a migration after changing models (review it before committing)
migrate: install
	$(BIN)/python manage.py db migrate -m "$(m)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
