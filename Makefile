# The two commands of the README:  `make book`  and  `make test`.
# Each sets up .venv on first use (again whenever pyproject.toml changes); `make test` also
# installs Chromium (Debian's package) for the browser check when it is missing.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A CPU build where one lies on disk; GPU users: see the README (an existing torch is kept).
TORCH_SPEC ?= torch==2.13.0
PROFILE ?= quick

.PHONY: book test browser bench bench-smoke plan clean clean-venv

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[book,dev,scale]"
	touch $@

book: $(VENV)/.installed
	$(BIN)/hl book --profile $(PROFILE)

test: $(VENV)/.installed browser
	$(BIN)/python -m pytest -q

browser:
	@command -v chromium >/dev/null 2>&1 || sh tools/install-chromium.sh

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_batched_grid.py
	$(BIN)/python benchmarks/roofline.py --table
	$(BIN)/python benchmarks/bench_kernel_ridge.py --N 10000
	$(BIN)/python benchmarks/bench_early_stopping.py
	$(BIN)/python benchmarks/bench_executors.py
	$(BIN)/python benchmarks/bench_book.py --profile quick
	$(BIN)/python benchmarks/bench_plan.py

bench-smoke: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_batched_grid.py --smoke
	$(BIN)/python benchmarks/bench_kernel_ridge.py --smoke
	$(BIN)/python benchmarks/bench_book.py --profile smoke
	$(BIN)/python benchmarks/gpu_check.py --smoke
	$(BIN)/python benchmarks/roofline.py --smoke
	$(BIN)/python benchmarks/bench_early_stopping.py --smoke
	$(BIN)/python benchmarks/bench_executors.py --smoke
	$(BIN)/python benchmarks/bench_plan.py --smoke

clean:
	rm -rf _build .hlcache runs

clean-venv:
	rm -rf $(VENV)
