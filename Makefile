# Set-up is implicit: `make demo` and `make test` create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench

$(STAMP): pyproject.toml setup.py envs/_ammcore.c envs/_portfolio.c package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, pinned: the CPU build (a plain `torch` would pull a CUDA build)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	# Flower 1.12's strategies: the test oracle of agents/fl/rules.py. Its pins (typer<0.13, protobuf<5) clash
	# with ours; the functions the tests compare need none of its dependencies beyond these.
	$(BIN)/python -m pip install -q --no-deps flwr==1.12.0 iterators==0.0.2 tomli==2.5.0 tomli_w==1.2.0 \
		cryptography==42.0.8 cffi==2.1.1 pycparser==3.12
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lamm demo

test: lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/replay_throughput.py
