# kam-workbook: two commands do all the set-up on a fresh machine (Python 3.11+ and make):
#   make report   -> venv, install, demo ledger, every params/*.yaml, reports/index.html
#   make test     -> venv, install, full test suite (unit, known-answer, slow notebook smoke tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kamlib-installed
DEMO   := data/demo/targets.csv
PARAMS ?= params/*.yaml
WORKERS ?=

.PHONY: help install demo report test test-fast lint lab bench clean clean-reports

help:
	@echo "make report     build the demo ledger if missing and render every region into reports/"
	@echo "make test       run the whole test suite (set-up included)"
	@echo "make test-fast  unit and known-answer tests only (no notebook runs)"
	@echo "make lint       ruff and mypy (the gate .ci/run runs before the tests)"
	@echo "make lab        open JupyterLab on notebooks/ with kamlib importable"
	@echo "make bench      run the performance benchmark (see docs/performance.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes; `-e` keeps kamlib edits live.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

$(DEMO): | $(STAMP)
	$(BIN)/kam demo --out data/demo --force

demo: $(DEMO)

report: $(STAMP) $(DEMO)
	$(BIN)/kam run $(PARAMS) $(if $(WORKERS),--workers $(WORKERS),)

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check kamlib tests benchmarks
	$(BIN)/mypy

lab: $(STAMP) $(DEMO)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pack.py

clean-reports:
	rm -rf reports/* reports/.kam .kam/reports && touch reports/.gitkeep

clean: clean-reports
	rm -rf $(VENV) data/demo .pytest_cache
