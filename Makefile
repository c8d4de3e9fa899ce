# `make run` and `make test` work on a fresh machine: each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck layers install clean intake-corpus

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	mkdir -p var
	$(BIN)/concierge db upgrade
	$(BIN)/concierge demo
	# The web chat talks as anyone: a demo, served only here and only on this machine.
	WEBCHAT_DEMO=true $(BIN)/concierge serve --host 127.0.0.1

layers: $(STAMP)
	$(BIN)/lint-imports

lint: $(STAMP)
	$(BIN)/ruff check bot handlers concierge scheduling tests benchmarks
	$(BIN)/ruff format --check bot handlers concierge scheduling tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) layers lint typecheck
	$(BIN)/pytest

# The service classifier's training corpus, rebuilt from tests/data's labelled sets (committed).
intake-corpus: $(STAMP)
	$(BIN)/python benchmarks/intake_corpus.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
