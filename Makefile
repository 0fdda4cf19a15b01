# Two commands on a fresh machine: `make demo` and `make test` (each installs first).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# One torch thread: on 2 cores OpenMP threads thrash when anything else runs.
TEST_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 AEKIT_NUM_THREADS=1

.PHONY: install demo test test-slow lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Convolutional AE, latent 32, on Fashion-MNIST; about 3 minutes on 2 CPU cores (bench/demo.py).
DEMO_ARGS := train fashion-mnist --model conv --latent 32 --epochs 8 --batch-size 32 --seed 0 --out runs/demo --overwrite

demo: $(STAMP)
	$(BIN)/aekit $(DEMO_ARGS)

test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Full-data benchmarks (tens of minutes; run on an idle machine). Results land in bench/results/.
bench: $(STAMP)
	$(BIN)/python bench/reconstruction.py --threads 2
	$(BIN)/python bench/loop_overhead.py --threads 2
	$(BIN)/python bench/demo.py

clean:
	rm -rf runs .pytest_cache
