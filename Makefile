# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install lint format migrate clean

## run: create .venv, install, migrate, seed demo data, print the admin login, serve on :5000
run: install
	$(BIN)/python manage.py db upgrade
	$(BIN)/python manage.py seed-demo --if-empty
	@echo
	@echo "  Back office: http://$(HOST):$(PORT)/admin/   (log in at http://$(HOST):$(PORT)/login)"
	@$(BIN)/python manage.py create-admin admin@example.com --generate-password --reset
	@echo
	$(BIN)/python manage.py run --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite; set TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## install: the virtualenv with every pinned dependency
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
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
