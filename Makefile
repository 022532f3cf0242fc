# The two commands a user needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint ui serve bench clean test-prefect-range

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/curate run --raw raw --curated curated

# The suite on one process per core (pytest-xdist), each test file on one of them: its module
# fixtures are made once. It takes about half the time of one process on two cores.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadfile

# Prefect's lowest accepted release and its latest (pyproject.toml: prefect>=3.8,<4), each in
# its own virtualenv: the check of Prefect's internals and the flow tests.
PREFECT_LOWEST ?= 3.8.0
test-prefect-range:
	@for v in $(PREFECT_LOWEST) latest; do \
	  env=.venv-prefect-$$v; pin=$$([ $$v = latest ] || echo prefect==$$v); \
	  $(PYTHON) -m venv $$env && $$env/bin/python -m pip install -q --upgrade pip && \
	  $$env/bin/python -m pip install -q --upgrade -e '.[dev]' $$pin && \
	  echo "== prefect $$($$env/bin/python -c 'import prefect; print(prefect.__version__)')" && \
	  $$env/bin/python -m pytest -q -p no:cacheprovider tests/unit/flows/test_prefect_internals.py tests/flow \
	  || exit 1; \
	done

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
	rm -rf $(VENV) .venv-prefect-* .pytest_cache .ruff_cache
