# groupdir — the commands a newcomer needs. Everything installs into a local .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PREFECT_PORT ?= 4200
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint serve bench audit demo-web clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make run: the nightly job end to end on the bundled demo web (data/ holds the results)
run: install
	$(BIN)/groupdir run

## make test: lint, then the whole test suite
test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

## make serve: a real Prefect server on 127.0.0.1 (SQLite under data/) serving the nightly deployment
serve: install
	PREFECT_PORT=$(PREFECT_PORT) ./scripts/serve.sh

## make bench: stage throughput and memory at 10k/100k/1M rows (figures, never pass/fail)
bench: install
	$(BIN)/python -m benchmarks.run

## make audit: known vulnerabilities in the pinned dependencies (needs the package index) and ruff's security rules
audit: install
	$(BIN)/python -m pip install --quiet 'pip-audit>=2.7,<3'
	$(BIN)/pip-audit --progress-spinner off
	$(BIN)/ruff check --select S .

demo-web: install
	$(BIN)/groupdir demo-web

clean:
	rm -rf data/test-run .pytest_cache .ruff_cache
