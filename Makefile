# Two commands do all the set-up: `make run` and `make test`. Both build .venv from constraints.txt first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)

.PHONY: run test lint bench bench-extraction bench-dedup lock clean

$(STAMP): pyproject.toml constraints.txt
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

run: $(STAMP)  ## ingest the bundled samples into warehouse/khabar.duckdb
	$(BIN)/khabar run

test: lint $(STAMP)  ## lint, types and the whole test suite
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check khabar tests bench
	$(BIN)/ruff format --check khabar tests bench
	$(BIN)/mypy

bench: $(STAMP)  ## ingest speed and memory on 10k and 100k generated dumps (bench/README.md)
	$(BIN)/python -m bench

bench-extraction: $(STAMP)  ## extraction quality and speed beside trafilatura and readability (bench/extraction)
	$(BIN)/python -m bench.extraction

bench-dedup: $(STAMP)  ## story grouping beside datasketch, and an incremental run against 100k stored (bench/dedup)
	$(BIN)/python -m bench.dedup
	$(BIN)/python -m bench.dedup.incremental

lock:  ## re-pin constraints.txt from a fresh resolve
	rm -rf /tmp/khabar-lock && $(PYTHON) -m venv /tmp/khabar-lock
	/tmp/khabar-lock/bin/pip install --quiet --upgrade pip
	/tmp/khabar-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/khabar-lock/bin/pip freeze --exclude-editable | grep -v '^khabar' > constraints.txt

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/*.wal
