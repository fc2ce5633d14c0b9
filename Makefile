# OpenProbation — the two commands of the quick start, and the pieces they are made of.
#   make run    set up, build the demo world on SQLite, print the demo sign-ins, serve on :8000
#               with the background worker alongside (appointment reminders, printed as email)
#   make test   set up, then the whole test suite (PostgreSQL if DATABASE_URL says so) and checks

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PEOPLE ?= 3000

.PHONY: run test setup python-deps assets pdf-libs browser broker check lint imports typecheck migrations-check pytest demo serve clean

run: setup broker demo serve

test: setup browser broker check pytest

setup: python-deps assets pdf-libs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

python-deps: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json

# WeasyPrint's system libraries (Pango, for letters and statements), from Debian, when missing.
pdf-libs: python-deps
	@$(BIN)/python -c 'import weasyprint' >/dev/null 2>&1 || \
	  { echo "Installing Pango for WeasyPrint (letters and statements as PDF)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null) \
	    || { echo "Could not install Pango: run 'apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0' as root"; exit 1; }; }

# Debian's chromium for the Playwright browser tests (Playwright's own download needs internet).
browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  { echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || { echo "Could not install chromium: run 'apt-get install chromium' as root"; exit 1; }; }

# Mosquitto, the MQTT broker electronic monitoring telemetry arrives on (MQTT_URL): started when
# nothing answers on 127.0.0.1:1883, installed from Debian when missing.
broker:
	@bash scripts/start-mosquitto.sh

demo:
	$(BIN)/probation demo --people $(PEOPLE)

# The web service and, alongside it, the background worker (tasks, appointment reminders; email
# printed here unless EMAIL_URL says otherwise): Ctrl-C stops both.
serve:
	$(BIN)/probation serve --port $(PORT) --with-worker

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# The layer contract in .importlinter: imports run one way only (docs/architecture.md).
imports:
	$(BIN)/lint-imports --no-cache

typecheck:
	$(BIN)/mypy src

migrations-check:
	$(BIN)/python manage.py makemigrations --check --dry-run

check: lint imports typecheck migrations-check

pytest:
	$(BIN)/pytest -n 2 -q

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
