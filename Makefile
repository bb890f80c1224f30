# Gongron: `make run` serves the site with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=wsgi $(BIN)/flask
HOST ?= 127.0.0.1
PORT ?= 5000
CATALOGS := $(wildcard participation/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test setup db translations extract-messages bench bench-quick bench-threads bench-outcomes bench-panels bench-requests bench-exports lint clean

# The scheduler runs inside this development server (in production it is `flask scheduler run`).
# FLASK_RUN_HOST/PORT also tell the app where it is served: links in emails point there unless PUBLIC_URL is set.
run: setup db
	SCHEDULER_IN_PROCESS=1 FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT)

# Two workers (this is a 2-core machine), each module on one of them; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

setup: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(COMPILED)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Applies migrations to the SQLite file under instance/ and loads demo data into an empty database.
db: setup
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty

# After changing user-facing strings: refresh both catalogs (English fills itself), then translate the new Korean entries.
extract-messages: $(VENV)/.installed
	$(FLASK) i18n update

# Benchmarks measure; they are not tests. Results go to bench/results/ as JSON.
bench: setup
	$(BIN)/python bench/run.py

bench-quick: setup
	$(BIN)/python bench/run.py --quick

bench-threads: setup
	$(BIN)/python bench/threads.py

bench-outcomes: setup
	$(BIN)/python bench/outcomes.py

bench-panels: setup
	$(BIN)/python bench/panels.py

# 1,000,000 civil requests on SQLite; BENCH_REQUESTS_ARGS="--quick" for 50,000, or
# BENCH_REQUESTS_ARGS="--database-url postgresql://postgres@127.0.0.1:5432/gongron_bench_requests" (recreated) for PostgreSQL.
bench-requests: setup
	$(BIN)/python bench/requests.py $(BENCH_REQUESTS_ARGS)

# 1,000,000 rows through the CSV and XLSX writers and the ideas export over bulk-loaded ideas: wall time and peak RSS.
bench-exports: setup
	$(BIN)/python bench/exports.py $(BENCH_EXPORTS_ARGS)

lint: setup
	$(BIN)/ruff check participation tests

clean:
	rm -rf $(VENV) .pytest_cache
