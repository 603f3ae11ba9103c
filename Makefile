# Ortak: `make run` serves the demo, `make test` runs every test, `make check` lints.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-unit test-e2e check format messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.0.1
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	@mkdir -p var
	@DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --no-input -v 0
	@DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo --if-empty
	@echo "Ortak: http://127.0.0.1:$(PORT)/"
	@DEBUG=$${DEBUG:-true} $(BIN)/python -m realtime.server -e tcp:port=$(PORT):interface=127.0.0.1:backlog=1024 \
		--websocket-max-message-size 1048576 config.asgi:application

test: $(STAMP)
	@$(BIN)/python -m pytest -q
	@$(BIN)/python -m pytest -q -o addopts="-p no:cacheprovider" tests/e2e

test-sqlite: $(STAMP)
	@env -u DATABASE_URL -u REDIS_URL ORTAK_TEST_STRICT= $(BIN)/python -m pytest -q

test-unit: $(STAMP)
	@$(BIN)/python -m pytest -q tests/unit

test-e2e: $(STAMP)
	@$(BIN)/python -m pytest -q -o addopts="-p no:cacheprovider" tests/e2e

check: $(STAMP)
	@$(BIN)/ruff format --check .
	@$(BIN)/ruff check .
	@$(BIN)/mypy .

format: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

messages: $(STAMP)
	@DEBUG=true $(BIN)/python manage.py makemessages -l tr -l en --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	@DEBUG=true $(BIN)/python manage.py makemessages -d djangojs -l tr -l en --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	@DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

bench: $(STAMP)
	@$(BIN)/python -m bench $(SCENARIO)

clean:
	rm -rf $(VENV) var
