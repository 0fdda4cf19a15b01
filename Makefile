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
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aekit train fashion-mnist --model conv --latent 32 --epochs 8 --seed 0 --out runs/demo --overwrite

test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf runs .pytest_cache
