# Vintage AI — set-up and everyday commands. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOK_STAMP := $(VENV)/.installed-notebook

export VINTAGE_AI_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(VINTAGE_AI_DATA_DIR)/dagster_home
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
# Single-run backfills log one "planned" event per asset, not one per day and asset.
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= 1
# ...and a step's per-day materialisations are stored as one batch (Postgres instance storage).
export DAGSTER_EVENT_BATCH_SIZE ?= 1000

.PHONY: install demo test lint dev home eval clean-data lock

install: $(STAMP)

# torch first, pinned: the CPU build is taken and the resolver never pulls CUDA wheels.
# constraints.txt holds the tested version of every package, so a fresh clone installs
# the same environment next month (`make lock` refreshes it from .venv after an upgrade).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -c constraints.txt torch==2.13.0
	$(BIN)/pip install -qq -c constraints.txt -e '.[dev]'
	touch $(STAMP)

lock:
	{ sed -n '1,2p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '@ file'; } > constraints.new
	mv constraints.new constraints.txt

home: install
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/vintage-ai home

## Write the synthetic demo data and materialise the whole graph, offline.
## DEMO_END=YYYY-MM-DD pins the demo's last day (default: yesterday, UTC).
demo: install home
	$(BIN)/vintage-ai demo $(if $(DEMO_END),--end $(DEMO_END))

## The test suite.
test: install
	$(BIN)/pytest -q

## Evaluations of matching, sentiment and themes against labelled data (figures in README).
eval: install
	$(BIN)/python -m vintage_ai_assets.evaluation

lint: install home
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/dg check defs

## The Dagster UI (and daemon) on http://127.0.0.1:3000 over the same data directory.
dev: install home
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

## JupyterLab on the example notebook (notebooks/explore_warehouse.ipynb) over the same data
## directory, read-only: run `make demo` first. CAR=<slug> picks the car (default: most mentioned).
.PHONY: notebook
notebook: install home $(NOTEBOOK_STAMP)
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser notebooks/explore_warehouse.ipynb

# The notebook extra (JupyterLab) at the tested versions, installed once.
$(NOTEBOOK_STAMP): $(STAMP)
	$(BIN)/pip install -qq -c constraints.txt -e '.[dev,notebook]'
	touch $(NOTEBOOK_STAMP)

## The MLflow UI on http://127.0.0.1:5000 over the data directory's tracking store: one run
## per car and model family (attention-forecasts, value-direction, price-model).
.PHONY: mlflow
mlflow: install
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --backend-store-uri sqlite:///$(VINTAGE_AI_DATA_DIR)/mlflow/mlflow.db \
		--default-artifact-root file://$(VINTAGE_AI_DATA_DIR)/mlflow/artifacts \
		-h 127.0.0.1 -p 5000 --workers 1

clean-data:
	rm -rf $(VINTAGE_AI_DATA_DIR)/warehouse.duckdb $(VINTAGE_AI_DATA_DIR)/mlflow $(VINTAGE_AI_DATA_DIR)/dagster_home $(VINTAGE_AI_DATA_DIR)/inbox $(VINTAGE_AI_DATA_DIR)/reports

## Benchmarks: every benchmarks/bench_*.py in order (tables printed, JSON in benchmarks/results/).
.PHONY: bench
bench: install
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done
