# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv
# from the pinned lock file first (idempotent: re-run only when the lock changes).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= demo-out

.PHONY: install demo test lint bench clean frontend warmup

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(MAKE) warmup
	touch $(STAMP)

# compile the numba kernels into their on-disk cache (and build the land-mask cache) once, so
# the first `make demo` / `stratowatch ...` does not spend half a minute compiling
warmup:
	$(BIN)/stratowatch warmup

demo: install
	$(BIN)/stratowatch demo --out $(OUT)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	$(BIN)/python benchmarks/run_all.py

# re-build the bundled map libraries from frontend/package-lock.json (needs npm; the output is
# committed, so only run this to change a version)
frontend:
	python3 tools/build_frontend.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
