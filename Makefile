# The two commands a user needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint ui serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/curate run --raw raw --curated curated

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ui: $(STAMP)
	PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 \
	$(BIN)/prefect server start --host 127.0.0.1 --port 4200

serve: $(STAMP)
	$(BIN)/curate serve --raw raw --curated curated --cron "0 * * * *"

bench: $(STAMP)
	$(BIN)/python benchmarks/cleaning.py
	$(BIN)/python benchmarks/promos.py
	$(BIN)/python benchmarks/minhash.py
	$(BIN)/python benchmarks/crosslingual.py
	$(BIN)/python benchmarks/steps.py
	$(BIN)/python benchmarks/pipeline.py --sizes 10000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
