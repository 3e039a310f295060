# `make run` and `make test` set everything up on a fresh machine (Python >= 3.11 as python3).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/lms-deb-tace-anlotinib.yaml

.PHONY: run test lint typecheck unit schema bench bench-1m clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("oncotrack needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## run: assess the reference case (RECIST 1.1 with its reasoning, endpoints, liver panel) and
## write its case report to out/reference/report.html
run: $(STAMP)
	$(BIN)/oncotrack assess $(EXAMPLE)
	$(BIN)/oncotrack report $(EXAMPLE) -o out/reference

## test: lint, type-check and run every test
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

## bench: time the per-patient engine, the report and the cohort engine at 10 k and 100 k
## patients (results go in docs/performance.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/assess.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/cohort.py 10000 100000

## bench-1m: the cohort engine at 1 M patients, from CSV and from Parquet (about 10 minutes,
## 6 GB of files in out/bench-cohort)
bench-1m: $(STAMP)
	$(BIN)/python benchmarks/cohort.py 1000000
	$(BIN)/python benchmarks/cohort.py 1000000 --format parquet

## schema: regenerate the committed JSON Schema of case files
schema: $(STAMP)
	$(BIN)/oncotrack schema > docs/case-file.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
